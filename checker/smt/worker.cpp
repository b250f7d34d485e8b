#include "checker/smt/worker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "model/types.hpp"

namespace pagecheck::smt {

Worker::Worker(const SmtOptions& opt, double time_limit, SmtStats& stats)
    : solver(ctx, "QF_BV"),
      opt_(opt),
      time_limit_(time_limit),
      stats_(stats),
      t0_(std::chrono::steady_clock::now()) {}

double Worker::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

z3::check_result Worker::check(const z3::expr& assumption, std::string what) {
  z3::expr_vector v(ctx);
  v.push_back(assumption);
  return check(v, std::move(what));
}

z3::check_result Worker::check(const z3::expr_vector& assumptions, std::string what) {
  what_ = std::move(what);
  double budget = opt_.query_timeout;
  if (time_limit_ > 0) {
    const double left = time_limit_ - elapsed();
    if (left <= 0.001) {
      reason_ = "--time-limit reached";
      return z3::unknown;
    }
    budget = std::min(budget, left);
  }
  z3::params p(ctx);
  p.set("timeout", static_cast<unsigned>(std::max(1.0, budget * 1000)));
  solver.set(p);
  if (!opt_.dump_file.empty()) {
    std::ofstream f(opt_.dump_file);
    if (!f) throw InputError(fmt::format("--smt-dump {}: cannot write the file", opt_.dump_file));
    f << smtlib(solver, assumptions);
  }
  auto t = std::chrono::steady_clock::now();
  z3::check_result r = solver.check(assumptions);
  stats_.solver_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  ++stats_.queries;
  if (opt_.log)
    fmt::print(stderr, "smt: query {} ({}): {} in {:.3f} s\n", stats_.queries, what_,
               r == z3::sat     ? "sat"
               : r == z3::unsat ? "unsat"
                                : "unknown",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
  reason_ = r == z3::unknown ? solver.reason_unknown() : std::string();
  if (r == z3::unknown && reason_ == "canceled") reason_ = "timeout";
  return r;
}

std::string smtlib(z3::solver& s, const z3::expr_vector& assumptions) {
  z3::expr_vector all = s.assertions();
  for (unsigned i = 0; i < assumptions.size(); ++i) all.push_back(assumptions[i]);
  std::vector<Z3_ast> v;
  for (unsigned i = 0; i < all.size(); ++i) v.push_back(all[i]);
  z3::context& c = s.ctx();
  std::string out = "; pagecheck: one SMT engine query (assertions and assumptions)\n";
  out += Z3_benchmark_to_smtlib_string(c, "pagecheck", "QF_BV", "unknown", "",
                                       static_cast<unsigned>(v.size()), v.data(), c.bool_val(true));
  return out;
}

}  // namespace pagecheck::smt
