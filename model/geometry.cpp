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
  return {};
}

std::string Geometry::describe() const {
  return fmt::format("{} pages, {} pageblocks of {} (pageblock_order={}), MAX_PAGE_ORDER={}, {} CPU{}",
                     nr_pages(), pageblocks, pageblock_nr_pages(), pageblock_order, max_order, cpus,
                     cpus == 1 ? "" : "s");
}

}  // namespace pagecheck::model
