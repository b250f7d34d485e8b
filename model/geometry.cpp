#include "model/geometry.hpp"

#include <fmt/format.h>

namespace pagecheck::model {

std::string Geometry::validate() const {
  if (pageblock_order < 0 || pageblock_order > kMaxOrder)
    return fmt::format("pageblock_order must be 0..{}, got {}", kMaxOrder, pageblock_order);
  if (max_order < pageblock_order || max_order > kMaxOrder)
    return fmt::format("max_order must be pageblock_order..{} ({}..{}), got {}", kMaxOrder, pageblock_order,
                       kMaxOrder, max_order);
  if (pageblocks < 1) return fmt::format("pageblocks must be at least 1, got {}", pageblocks);
  if (pageblocks > kMaxPages || nr_pages() > kMaxPages)
    return fmt::format("the zone may hold at most {} pages, got {} pageblocks of {} pages", kMaxPages,
                       pageblocks, pageblock_nr_pages());
  if (cpus < 1 || cpus > kMaxCpus) return fmt::format("cpus must be 1..{}, got {}", kMaxCpus, cpus);
  if (zone_start_pfn < 0 || zone_start_pfn >= nr_pages())
    return fmt::format("zone_start_pfn must be 0..{}, got {}", nr_pages() - 1, zone_start_pfn);
  if (pcp_batch < 0 || pcp_high < 0) return "pcp_high and pcp_batch must not be negative";
  if (pcp_high > 0 && pcp_batch == 0) return "pcp_high needs pcp_batch (at least 1)";
  if (managed_pages < 0) return fmt::format("managed_pages must not be negative, got {}", managed_pages);
  return {};
}

std::string Geometry::describe() const {
  std::string s = fmt::format(
      "{} pages, {} pageblocks of {} (pageblock_order={}), MAX_PAGE_ORDER={}, {} CPU{}", nr_pages(),
      pageblocks, pageblock_nr_pages(), pageblock_order, max_order, cpus, cpus == 1 ? "" : "s");
  if (zone_start_pfn) s += fmt::format(", zone starts at pfn {}", zone_start_pfn);
  if (pcp_enabled()) s += fmt::format(", pcp high={} batch={}", pcp_high, pcp_batch);
  if (managed_pages) s += fmt::format(", {} managed pages", managed_pages);
  return s;
}

}  // namespace pagecheck::model
