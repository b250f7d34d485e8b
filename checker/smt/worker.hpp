// A Z3 worker: one context and one solver, created up front and reused for every query of a
// run (queries differ by assumption literals, never by a fresh solver). Every query has a
// timeout; `unknown` is reported with Z3's reason and never read as "holds".
#pragma once

#include <z3++.h>

#include <chrono>
#include <string>

#include "checker/smt/options.hpp"

namespace pagecheck::smt {

class Worker {
 public:
  Worker(const SmtOptions& opt, double time_limit, SmtStats& stats);
  z3::context ctx;
  z3::solver solver;

  // `what` names the query in the --smt-log line.
  z3::check_result check(const z3::expr_vector& assumptions, std::string what);
  z3::check_result check(const z3::expr& assumption, std::string what);
  std::string reason() const { return reason_; }  // why the last query came back unknown
  double elapsed() const;

 private:
  const SmtOptions& opt_;
  double time_limit_;
  SmtStats& stats_;
  std::chrono::steady_clock::time_point t0_;
  std::string reason_;
  std::string what_;
};

// The SMT-LIB of the solver's assertions with the assumptions asserted, for bug reports.
std::string smtlib(z3::solver& s, const z3::expr_vector& assumptions);

}  // namespace pagecheck::smt
