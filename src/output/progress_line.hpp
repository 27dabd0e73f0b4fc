#pragma once
// A progress line for long compiles on a terminal: after `delay` has passed, the stream shows
// "euc: compiling NAME: STAGE (1.4 s)" on one line, redrawn in place (carriage return) a few
// times a second, and erased when the compile ends. Only on a terminal: in a pipe, a file or a
// CI log nothing is ever written (terminal() decides), so outputs stay byte-identical.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace euc::output {

class ProgressLine {
 public:
  // Whether `stream` is a terminal that can redraw a line (isatty, TERM not "dumb").
  static bool terminal(std::FILE* stream);

  // Draws nothing unless `enabled`. `delay`: how long a compile runs before the line appears.
  ProgressLine(std::FILE* stream, std::string name, bool enabled,
               std::chrono::milliseconds delay = std::chrono::milliseconds(1000));
  ~ProgressLine();  // stops the redraws and erases the line if it was drawn
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // What the compile is doing now ("lowering", "scheduling subgraph 0", ...); thread-safe.
  void set_stage(std::string stage);

 private:
  void run();
  void draw(double seconds);

  std::FILE* stream_;
  std::string name_;
  std::chrono::milliseconds delay_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string stage_;
  bool stop_ = false;
  bool drawn_ = false;
  size_t width_ = 0;
  std::thread thread_;
};

}  // namespace euc::output
