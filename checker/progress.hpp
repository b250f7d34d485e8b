// Progress of long searches on stderr, in the words model-checking users know (TLC): a single
// rewritten line on a terminal, a full line every few seconds otherwise. Silent for short runs.
#pragma once

#include <vector>

#include "checker/engine.hpp"

namespace pagecheck::checker {

struct ProgressInfo {
  double seconds = 0;
  long depth = 0;
  long states = 0;
  long queued = 0;
  long transitions = 0;
  long memory_bytes = 0;
  double eta_seconds = -1;  // an estimate of what is left; < 0: none
};

class Progress {
 public:
  explicit Progress(bool enabled);
  // Called often; prints at most every interval.
  void tick(const ProgressInfo& p);
  void tick(double seconds, long depth, long states, long queued, long transitions, long memory_bytes);
  void finish(const Stats& s);

 private:
  bool enabled_;
  bool tty_;
  bool printed_ = false;
  double next_ = 2.0;
  double interval_;
};

// BFS: what is left, in seconds, from the sizes of the levels so far (once they shrink, the
// rest is taken to shrink at the same rate), the queue and the rate; < 0 while they still grow.
double estimate_remaining(const std::vector<long>& level_sizes, long queued, long states, double seconds);

}  // namespace pagecheck::checker
