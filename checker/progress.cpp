#include "checker/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace pagecheck::checker {

Progress::Progress(bool enabled)
    : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), interval_(tty_ ? 0.5 : 10.0) {}

void Progress::tick(double seconds, long depth, long states, long queued, long transitions,
                    long memory_bytes) {
  ProgressInfo p;
  p.seconds = seconds;
  p.depth = depth;
  p.states = states;
  p.queued = queued;
  p.transitions = transitions;
  p.memory_bytes = memory_bytes;
  tick(p);
}

void Progress::tick(const ProgressInfo& p) {
  if (!enabled_ || p.seconds < next_) return;
  next_ = p.seconds + interval_;
  std::string eta = p.eta_seconds < 0 ? std::string(", levels still growing")
                                      : fmt::format(", ~{:.0f}s left (estimate)", p.eta_seconds);
  std::string line = fmt::format(
      "progress: {:.0f}s depth {}: {} distinct states, {} transitions, {} left on the queue, "
      "{:.2f}M states/s, {} MB{}",
      p.seconds, p.depth, p.states, p.transitions, p.queued, p.states / p.seconds / 1e6, p.memory_bytes >> 20,
      eta);
  if (tty_)
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  printed_ = true;
}

void Progress::finish(const Stats& s) {
  if (!printed_) return;
  if (tty_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "progress: done after %.1fs: %ld distinct states, %ld transitions, depth %ld\n",
               s.seconds, s.states, s.transitions, s.max_depth);
}

double estimate_remaining(const std::vector<long>& sizes, long queued, long states, double seconds) {
  if (sizes.size() < 3 || seconds <= 0 || states <= 0) return -1;
  const double a = static_cast<double>(sizes[sizes.size() - 2]), b = static_cast<double>(sizes.back());
  if (a <= 0 || b >= a) return -1;
  const double r = b / a;  // the last level's shrink factor
  const double left = static_cast<double>(queued) + b * r / (1 - r);
  return left / (static_cast<double>(states) / seconds);
}

}  // namespace pagecheck::checker
