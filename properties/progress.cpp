// Progress: every operation can finish (checked on the state graph by checker/liveness.cpp), and
// bounded retry loops that reach their bound.
#include <fmt/format.h>

#include "model/kernel/kernel.hpp"
#include "properties/all.hpp"

namespace pagecheck::props {

namespace {

void observe_retry_bound(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::RetryBound) return;
  model::Violation v;
  v.property = "retry-bound";
  v.message = fmt::format("cpu{}: {} retried {} time{} without success (the bound the scenario set)", c.cpu,
                          o.check == 0 ? "offline_pages()" : "a retry loop", o.a, o.a == 1 ? "" : "s");
  c.raise(std::move(v));
}

}  // namespace

void add_progress_properties(std::vector<Property>& v) {
  v.push_back(
      {"operations-finish", Kind::Progress,
       "every operation can finish: no deadlock, and no thread can loop forever without finishing its "
       "operation under a weakly fair scheduler (a cycle of the state graph it never leaves while every "
       "thread that stays enabled also moves)",
       "forward progress (\"We absolutely have to ensure we make forward progress here\", David "
       "Rientjes on the HVO RFC, 24 Jan 2021); the kernel has no check: a livelock shows as a hung task",
       "all variants (checked on the explicit state graph of small scenarios)", applies_everywhere});
  v.push_back({"retry-bound", Kind::Event,
               "a retry loop given a bound by the scenario (offline_pages(..., retries=N)) never reaches it",
               "none: the kernel's offline_pages() loop retries until a signal; the bound makes \"it keeps "
               "retrying\" a finding",
               "scenarios that bound a retry loop", applies_everywhere, nullptr, observe_retry_bound});
}

}  // namespace pagecheck::props
