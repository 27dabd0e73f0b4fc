#pragma once
// A small deterministic random source for the graph generator. The standard distributions are
// implementation-defined (libstdc++ and libc++ draw differently), so ranges are computed here:
// the same seed gives the same graph with every compiler and library.
#include <cmath>
#include <cstdint>
#include <span>

namespace euc::graphgen {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  // splitmix64: one multiply-xorshift chain per draw, good enough for test data.
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [lo, hi] (inclusive); the modulo bias is irrelevant for test data.
  int uniform(int lo, int hi) {
    if (hi <= lo)
      return lo;
    const uint64_t span = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo) + 1;
    return static_cast<int>(lo + static_cast<int64_t>(next() % span));
  }

  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double real(double lo, double hi) { return lo + (hi - lo) * unit(); }
  // Log-uniform in [lo, hi], both positive.
  double log_real(double lo, double hi) { return std::exp(real(std::log(lo), std::log(hi))); }
  bool chance(double p) { return unit() < p; }

  // Index drawn with the given non-negative weights (0 if they are all zero).
  std::size_t weighted(std::span<const double> weights) {
    double total = 0;
    for (double w : weights)
      total += w;
    double r = unit() * total;
    for (std::size_t k = 0; k < weights.size(); ++k) {
      if (r < weights[k])
        return k;
      r -= weights[k];
    }
    return 0;
  }

  template <class T>
  const T& pick(std::span<const T> items) {
    return items[static_cast<std::size_t>(uniform(0, static_cast<int>(items.size()) - 1))];
  }

  // A new independent stream (for per-step constant data).
  uint64_t fork() { return next() ^ 0x5851F42D4C957F2Dull; }

 private:
  uint64_t state_;
};

}  // namespace euc::graphgen
