#include "output/progress_line.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace euc::output {
namespace {

constexpr auto kRedraw = std::chrono::milliseconds(250);

}  // namespace

bool ProgressLine::terminal(std::FILE* stream) {
  if (stream == nullptr || isatty(fileno(stream)) == 0)
    return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

ProgressLine::ProgressLine(std::FILE* stream, std::string name, bool enabled,
                           std::chrono::milliseconds delay)
    : stream_(stream),
      name_(std::move(name)),
      delay_(delay),
      start_(std::chrono::steady_clock::now()),
      stage_("starting") {
  if (enabled && stream_ != nullptr)
    thread_ = std::thread([this] { run(); });
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable())
    return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (drawn_) {
    // Erase the line: the normal output starts on a clean line.
    fmt::print(stream_, "\r{}\r", std::string(width_, ' '));
    std::fflush(stream_);
  }
}

void ProgressLine::set_stage(std::string stage) {
  std::lock_guard<std::mutex> lock(mutex_);
  stage_ = std::move(stage);
}

void ProgressLine::draw(double seconds) {
  std::string line = fmt::format("euc: compiling {}: {} ({:.1f} s)", name_, stage_, seconds);
  const size_t width = line.size();
  if (width < width_)
    line.append(width_ - width, ' ');  // cover the longer previous line
  width_ = std::max(width_, width);
  fmt::print(stream_, "\r{}", line);
  std::fflush(stream_);
  drawn_ = true;
}

void ProgressLine::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (wake_.wait_for(lock, delay_, [this] { return stop_; }))
    return;
  while (!stop_) {
    draw(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    wake_.wait_for(lock, kRedraw, [this] { return stop_; });
  }
}

}  // namespace euc::output
