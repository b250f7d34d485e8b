// Isolation: what an isolated pageblock promises.
#include <fmt/format.h>

#include "model/kernel/kernel.hpp"
#include "properties/all.hpp"

namespace pagecheck::props {

namespace {

// No allocation takes pages of an isolated pageblock from the buddy lists.
void observe_isolation_exclusive(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::AllocFromBuddy) return;
  const model::Geometry& g = c.L.geo;
  for (int p = o.pfn; p < o.pfn + (1 << o.order); p += g.pageblock_nr_pages()) {
    int pb = g.pageblock_of(p);
    if (model::pageblock_type(c.s, pb) == model::Mt::ISOLATE) {
      model::Violation v;
      v.property = "isolation-exclusive";
      v.message = fmt::format(
          "cpu{} allocated pfn {} (order {}) from the buddy lists, but pageblock {} is isolated "
          "(MIGRATE_ISOLATE)",
          c.cpu, o.pfn, o.order, pb);
      v.pfns = {o.pfn};
      v.pageblocks = {pb};
      c.raise(std::move(v));
      return;
    }
  }
}

}  // namespace

void add_isolation_properties(std::vector<Property>& v) {
  v.push_back({"isolation-exclusive", Kind::Event,
               "no allocation hands out pages of an isolated pageblock from the buddy free lists",
               "the promise of start_isolate_page_range(): \"free pages in the range will never be "
               "allocated\" (mm/page_isolation.c); pcp-resident pages are exempt, as its comment says",
               "all variants", applies_everywhere, nullptr, observe_isolation_exclusive});
}

}  // namespace pagecheck::props
