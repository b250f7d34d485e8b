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
  if (has_hugetlb()) {
    if (hugetlb_order < pageblock_order || hugetlb_order > max_order)
      return fmt::format("hugetlb order must be pageblock_order..max_order ({}..{}), got {}", pageblock_order,
                         max_order, hugetlb_order);
    if (hugetlb_vmemmap_pages < 0 || hugetlb_vmemmap_pages > kMaxVmemmapPages)
      return fmt::format("hugetlb vmemmap_pages must be 0..{}, got {}", kMaxVmemmapPages,
                         hugetlb_vmemmap_pages);
    if (nr_overcommit_huge_pages < 0 || nr_overcommit_huge_pages > 100)
      return fmt::format("hugetlb nr_overcommit_huge_pages must be 0..100, got {}", nr_overcommit_huge_pages);
  }
  if (memory_blocks < 0 || memory_blocks > kMaxMemoryBlocks)
    return fmt::format("memory_blocks must be 0..{}, got {}", kMaxMemoryBlocks, memory_blocks);
  if (memory_blocks > 0) {
    if (struct_page_size < 8 || struct_page_size > 256 || struct_page_size % 8)
      return fmt::format("struct_page_size must be a multiple of 8 in 8..256, got {}", struct_page_size);
    auto pow2 = [](int x) { return x > 0 && (x & (x - 1)) == 0; };
    if (!pow2(pmd_pages) || !pow2(mhp_pageblock_pages) || !pow2(memory_block_pages))
      return "memory_block_pages, pmd_pages and pageblock_pages must be powers of two";
    if (memory_block_pages < pmd_pages || memory_block_pages > (1 << 22))
      return fmt::format("memory_block_pages must be pmd_pages..{}, got {}", 1 << 22, memory_block_pages);
    if (memmap_chunks() > 16)
      return fmt::format("the memmap of {} blocks spans {} PMDs; at most 16 are modelled", memory_blocks,
                         memmap_chunks());
  }
  return {};
}

int Geometry::memmap_chunks() const {
  long bytes = memmap_bytes_per_block() * memory_blocks;
  long pmd = static_cast<long>(pmd_pages) * kPageSize;
  return static_cast<int>((bytes + pmd - 1) / pmd);
}

std::string Geometry::describe() const {
  std::string s = fmt::format(
      "{} pages, {} pageblocks of {} (pageblock_order={}), MAX_PAGE_ORDER={}, {} CPU{}", nr_pages(),
      pageblocks, pageblock_nr_pages(), pageblock_order, max_order, cpus, cpus == 1 ? "" : "s");
  if (zone_start_pfn) s += fmt::format(", zone starts at pfn {}", zone_start_pfn);
  if (pcp_enabled()) s += fmt::format(", pcp high={} batch={}", pcp_high, pcp_batch);
  if (managed_pages) s += fmt::format(", {} managed pages", managed_pages);
  if (has_hugetlb())
    s += fmt::format(
        ", hugetlb order {}{}{}", hugetlb_order,
        hugetlb_vmemmap_pages ? fmt::format(" with HVO ({} vmemmap page{})", hugetlb_vmemmap_pages,
                                            hugetlb_vmemmap_pages == 1 ? "" : "s")
                              : std::string(),
        nr_overcommit_huge_pages ? fmt::format(", nr_overcommit_hugepages={}", nr_overcommit_huge_pages)
                                 : std::string());
  if (memory_blocks)
    s += fmt::format(", {} memory block{} of {} pages, sizeof(struct page)={}, memmap_on_memory={}",
                     memory_blocks, memory_blocks == 1 ? "" : "s", memory_block_pages, struct_page_size,
                     memmap_force ? "force" : "Y");
  return s;
}

}  // namespace pagecheck::model
