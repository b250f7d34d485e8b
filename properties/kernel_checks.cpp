// The kernel's own checks, one property each, named after the check. The model reports a check
// that would fire as Obs::KernelCheck (model/kernel/kernel.hpp); each property listens for its
// checks and applies only to the kernels that have them.
#include <fmt/format.h>

#include "model/kernel/kernel.hpp"
#include "properties/all.hpp"

namespace pagecheck::props {

using model::KernelCheck;
using model::Mt;

namespace {

std::string mt_text(int v) {
  return fmt::format("{} ({})", v, model::mt_name(static_cast<Mt>(v)));
}

void raise(model::Ctx& c, const char* property, std::string msg, int pfn) {
  model::Violation v;
  v.property = property;
  v.message = std::move(msg);
  v.pfns = {pfn};
  if (pfn >= 0 && pfn < c.L.nr_pages) v.pageblocks = {c.L.geo.pageblock_of(pfn)};
  c.raise(std::move(v));
}

void observe_free_list_type(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck) return;
  if (o.check != model::KC_ADD_TO_FREE_LIST_TYPE && o.check != model::KC_MOVE_TO_FREE_LIST_TYPE &&
      o.check != model::KC_DEL_FROM_FREE_LIST_TYPE)
    return;
  raise(c, "warn-free-list-type",
        fmt::format("cpu{}: WARNING in {}: \"page type is {}, passed migratetype is {}\" (pfn {})", c.cpu,
                    model::kernel_check_name(o.check), mt_text(o.a), mt_text(o.b), o.pfn),
        o.pfn);
}

void observe_pcp_bulk(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck || o.check != model::KC_PCP_BULK_ISOLATE) return;
  raise(c, "bug-pcp-bulk-isolate",
        fmt::format("cpu{}: kernel BUG in free_pcppages_bulk: pfn {} goes from a pcp list to the buddy with "
                    "migratetype ISOLATE (\"MIGRATE_ISOLATE page should not go to pcplists\")",
                    c.cpu, o.pfn),
        o.pfn);
}

void observe_unset_isolate(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck) return;
  if (o.check == model::KC_UNSET_ISOLATE_MOVE)
    raise(
        c, "warn-unset-isolate",
        fmt::format("cpu{}: WARNING in unset_migratetype_isolate: moving the free pages of the block at pfn "
                    "{} back failed (\"Isolating this block already succeeded, so this should not fail on "
                    "zone boundaries\")",
                    c.cpu, o.pfn),
        o.pfn);
  else if (o.check == model::KC_UNSET_ISOLATE_FREE_PAGE)
    raise(c, "warn-unset-isolate",
          fmt::format("cpu{}: WARNING in unset_migratetype_isolate: VM_WARN_ON(!isolated_page) at pfn {}",
                      c.cpu, o.pfn),
          o.pfn);
}

void observe_offline(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck) return;
  if (o.check == model::KC_OFFLINE_NOT_ISOLATED)
    raise(c, "bug-offline-isolated",
          fmt::format("cpu{}: WARNING in __offline_isolated_pages: free pfn {} is in a pageblock of type {}, "
                      "not ISOLATE",
                      c.cpu, o.pfn, mt_text(o.a)),
          o.pfn);
  else if (o.check == model::KC_OFFLINE_PAGE_COUNT)
    raise(c, "bug-offline-isolated",
          fmt::format(
              "cpu{}: kernel BUG in __offline_isolated_pages: pfn {} is in use (BUG_ON(page_count(page)))",
              c.cpu, o.pfn),
          o.pfn);
}

void observe_split_large_buddy(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck || o.check != model::KC_SPLIT_LARGE_BUDDY) return;
  raise(
      c, "warn-split-large-buddy",
      fmt::format("cpu{}: WARNING in split_large_buddy (pfn {}): wrong order, misaligned, or still PageBuddy",
                  c.cpu, o.pfn),
      o.pfn);
}

void observe_isolate_scan(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck || o.check != model::KC_ISOLATE_SCAN_STRADDLE) return;
  raise(c, "warn-isolate-scan-straddle",
        fmt::format(
            "cpu{}: WARNING in isolate_single_pageblock: free pfn {} of order {} crosses the boundary pfn "
            "{} (\"move_freepages_block_isolate() handled this\")",
            c.cpu, o.pfn, o.a, o.b),
        o.pfn);
}

void observe_unreserve(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck || o.check != model::KC_UNRESERVE_HIGHATOMIC) return;
  raise(c, "warn-unreserve-highatomic",
        fmt::format("cpu{}: WARNING in unreserve_highatomic_pageblock at pfn {}", c.cpu, o.pfn), o.pfn);
}

void observe_isolate_state(model::Ctx& c, const model::Observation& o) {
  if (o.kind != model::Obs::KernelCheck) return;
  if (o.check == model::KC_ISOLATE_STATE)
    raise(c, "warn-isolate-state",
          fmt::format("cpu{}: WARNING in __move_freepages_block_isolate: \"{} a pageblock that is already in "
                      "that state\" (pfn {})",
                      c.cpu, o.a ? "Isolate" : "Unisolate", o.pfn),
          o.pfn);
  else if (o.check == model::KC_SET_PAGEBLOCK_ISOLATE)
    raise(c, "warn-isolate-state",
          fmt::format("cpu{}: WARNING in set_pageblock_migratetype at pfn {}: \"{}\"", c.cpu, o.pfn,
                      o.a ? "Use set_pageblock_isolate() for pageblock isolation"
                          : "Use clear_pageblock_isolate() to unisolate pageblock"),
          o.pfn);
}

bool has_type_checks(const model::Kernel& k) {
  return k.has(model::F_ACCOUNT_FREEPAGES);
}
bool has_pcp_bug_on(const model::Kernel& k) {
  return !k.has(model::F_NO_PCPPAGE_MT_CACHE) || k.has(model::F_V2_KEEP_PCP_BULK_BUG_ON);
}
bool has_split_large_buddy(const model::Kernel& k) {
  return k.fn.split_large_buddy != nullptr;
}
bool has_scan_warn(const model::Kernel& k) {
  return k.has(model::F_ISOLATE_SPLITS_UNDER_LOCK);
}
bool has_unreserve_warn(const model::Kernel& k) {
  return k.has(model::F_BLOCK_CONVERSION_TXN) || k.has(model::F_NO_RACY_MT_REMNANTS);
}
bool has_isolate_bit(const model::Kernel& k) {
  return k.has(model::F_PB_ISOLATE_BIT);
}

}  // namespace

void add_kernel_check_properties(std::vector<Property>& v) {
  v.push_back({"warn-free-list-type", Kind::Event,
               "no free list insertion, move or removal passes a migratetype other than the pageblock's",
               "VM_WARN_ONCE(get_pageblock_migratetype(page) != migratetype, \"page type is %lu, passed "
               "migratetype is %d (nr=%d)\") in __add_to_free_list, move_to_free_list and "
               "__del_page_from_free_list (mm/page_alloc.c, e0932b6c1f94, v6.10; V2 6/6)",
               "kernels with e0932b6c1f94 or V2 6/6", has_type_checks, nullptr, observe_free_list_type});
  v.push_back({"bug-pcp-bulk-isolate", Kind::Event,
               "free_pcppages_bulk() never frees a page to the buddy with migratetype ISOLATE",
               "VM_BUG_ON_PAGE(is_migrate_isolate(mt), page) in free_pcppages_bulk (mm/page_alloc.c, v6.1.8; "
               "on the cached type <= v6.9, on the block's type in the V2 posting's 1/6; removed by "
               "17edeb5d3f76)",
               "kernels up to v6.9 and the V2 posting", has_pcp_bug_on, nullptr, observe_pcp_bulk});
  v.push_back({"warn-unset-isolate", Kind::Event,
               "undoing the isolation of a block never fails to move its free pages back, and never fails to "
               "isolate a free buddy it wants to merge",
               "VM_WARN_ON(!isolated_page) and WARN_ON_ONCE(nr_pages == -1) (c0cd6f557b90) / "
               "WARN_ON_ONCE(!move_freepages_block_isolate()) (fd919a85cd55) in unset_migratetype_isolate "
               "(mm/page_isolation.c)",
               "all variants", applies_everywhere, nullptr, observe_unset_isolate});
  v.push_back({"bug-offline-isolated", Kind::Event,
               "__offline_isolated_pages() only takes free pages of isolated blocks",
               "BUG_ON(page_count(page)), BUG_ON(!PageBuddy(page)) and (v6.10) "
               "VM_WARN_ON(get_pageblock_migratetype(page) != MIGRATE_ISOLATE) in __offline_isolated_pages "
               "(mm/page_alloc.c)",
               "all variants", applies_everywhere, nullptr, observe_offline});
  v.push_back({"warn-split-large-buddy", Kind::Event,
               "split_large_buddy() is given a free buddy off its list, aligned, of more than a pageblock",
               "VM_WARN_ON_ONCE in split_large_buddy (mm/page_alloc.c, fd919a85cd55; e98337d11bbd)",
               "kernels with split_large_buddy() (v6.10+)", has_split_large_buddy, nullptr,
               observe_split_large_buddy});
  v.push_back({"warn-isolate-scan-straddle", Kind::Event,
               "after isolating a block, no free buddy crosses the range boundary",
               "VM_WARN_ON_ONCE(pfn + (1 << order) > boundary_pfn) in isolate_single_pageblock "
               "(mm/page_isolation.c, fd919a85cd55)",
               "kernels with fd919a85cd55", has_scan_warn, nullptr, observe_isolate_scan});
  v.push_back({"warn-unreserve-highatomic", Kind::Event,
               "giving back a highatomic reserve never fails to move it, nor releases more than is reserved",
               "WARN_ON_ONCE(ret == -1) (c0cd6f557b90) and WARN_ON_ONCE(size > zone->nr_reserved_highatomic) "
               "(v6.15) in unreserve_highatomic_pageblock (mm/page_alloc.c)",
               "kernels with c0cd6f557b90", has_unreserve_warn, nullptr, observe_unreserve});
  v.push_back({"warn-isolate-state", Kind::Event,
               "a pageblock is isolated only when it is not, unisolated only when it is, and never retyped "
               "while isolated",
               "VM_WARN_ONCE(1, \"%s a pageblock that is already in that state\") in "
               "__move_freepages_block_isolate and the VM_WARN_ONCEs of set_pageblock_migratetype "
               "(mm/page_alloc.c, v6.17 isolation bit, v7.1.8)",
               "kernels with PB_migrate_isolate (v6.17)", has_isolate_bit, nullptr, observe_isolate_state});
}

}  // namespace pagecheck::props
