#include "checker/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace pagecheck::checker {

Progress::Progress(bool enabled)
    : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0), interval_(tty_ ? 0.5 : 10.0) {}

void Progress::tick(double seconds, long depth, long states, long queued, long transitions,
                    long memory_bytes) {
  if (!enabled_ || seconds < next_) return;
  next_ = seconds + interval_;
  std::string line = fmt::format(
      "progress: {:.0f}s depth {}: {} distinct states, {} transitions, {} left on the queue, "
      "{:.2f}M states/s, {} MB",
      seconds, depth, states, transitions, queued, states / seconds / 1e6, memory_bytes >> 20);
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

}  // namespace pagecheck::checker
