// Progress of long searches on stderr, in the words model-checking users know (TLC): a single
// rewritten line on a terminal, a full line every few seconds otherwise. Silent for short runs.
#pragma once

#include "checker/engine.hpp"

namespace pagecheck::checker {

class Progress {
 public:
  explicit Progress(bool enabled);
  // Called often; prints at most every interval.
  void tick(double seconds, long depth, long states, long queued, long transitions, long memory_bytes);
  void finish(const Stats& s);

 private:
  bool enabled_;
  bool tty_;
  bool printed_ = false;
  double next_ = 2.0;
  double interval_;
};

}  // namespace pagecheck::checker
