// mm/hugetlb_vmemmap.c, modelled: HVO. Optimizing a huge page gives the pages that back its tail
// struct pages to the buddy allocator (the tails are remapped read-only onto the head's page);
// restoring them allocates that many order-0 pages from the same zone, with no hugetlb_lock held,
// and can fail. docs/model.md, "hugetlb".
#include <fmt/format.h>

#include "model/kernel/hugetlb_internal.hpp"

namespace pagecheck::model {

namespace {

std::string describe_pfn(const Ctx& c) {
  return folio_text(c.loc(0));
}

// ---- hugetlb_vmemmap_restore_folio() ---------------------------------------------------------

enum ResLoc : uint8_t { RS_PFN, RS_GOT, RS_PAGE0, RS_PAGE1, RS_N };
enum ResPc : uint8_t { RS_ENTRY = 0, RS_ALLOC, RS_ALLOCATED, RS_FREE_BACK, RS_SLEEP, RS_REMAP };

// hugetlb_vmemmap_restore_folio() -> __hugetlb_vmemmap_restore_folio() -> vmemmap_remap_alloc(),
// mm/hugetlb_vmemmap.c, v6.12.8: alloc_vmemmap_page_list() takes the vmemmap pages one
// alloc_pages_node(GFP_KERNEL | __GFP_RETRY_MAYFAIL, 0) at a time (an UNMOVABLE request to the
// buddy model; no __GFP_THISNODE in v6.12, one node here) and frees the ones it got if one fails
// (-ENOMEM); then vmemmap_remap_range() maps them and HPG_vmemmap_optimized is cleared.
// synchronize_rcu() and init_mm's locks are not modelled (nothing else here takes them). The
// VM_WARN_ON_ONCE(!hugetlb) came with d8f5f7e445f0. The RFC v6-v13 design (Muchun Song, Nov 2020
// - Jan 2021, <20201124095259.58755-11-songmuchun@bytedance.com>) could not fail: on a failed
// allocation it slept, msleep(100), and tried the same page again.
Flow run_restore(Ctx& c) {
  const int pfn = c.loc(RS_PFN);
  const int nr = c.L.geo.hugetlb_vmemmap_pages;
  const bool forever = c.k.has(F_VMEMMAP_RETRY_FOREVER);
  for (;;) {
    switch (c.pc()) {
      case RS_ENTRY:
        if (c.k.has(F_HUGETLB_FLAG_BEFORE_OPTIMIZE) && !folio_test_hugetlb(c, pfn))
          kernel_warn(c, KC_VMEMMAP_NOT_HUGETLB, pfn);
        if (folio_ref_count(c, pfn)) kernel_warn(c, KC_VMEMMAP_REFCOUNT, pfn, folio_ref_count(c, pfn));
        if (!folio_test(c, pfn, FOLIO_vmemmap_optimized)) return c.ret(0);
        c.loc(RS_GOT) = 0;
        c.set_pc(RS_ALLOC);
        break;
      case RS_ALLOC:
        if (c.loc(RS_GOT) == nr) {
          c.set_pc(RS_REMAP);
          break;
        }
        if (c.must_yield()) return c.yield(RS_ALLOC);
        return c.call(P_alloc_pages, {0, static_cast<int>(Mt::UNMOVABLE), 0}, RS_ALLOCATED);
      case RS_ALLOCATED: {
        int page = c.retval();
        if (page < 0) {
          if (c.recording()) c.note("alloc_pages_node() failed");
          c.set_pc(forever ? RS_SLEEP : RS_FREE_BACK);
          break;
        }
        c.loc(RS_PAGE0 + c.loc(RS_GOT)) = static_cast<uint8_t>(page);
        c.loc(RS_GOT) = static_cast<uint8_t>(c.loc(RS_GOT) + 1);
        c.set_pc(RS_ALLOC);
        break;
      }
      case RS_SLEEP:
        // RFC: "We should retry infinitely, because we cannot handle allocation failures."
        if (c.must_yield()) return c.yield(RS_SLEEP);
        if (c.recording()) c.note("msleep(100); goto retry");
        return c.yield(RS_ALLOC);
      case RS_FREE_BACK: {
        if (c.loc(RS_GOT) == 0) return c.ret(-kENOMEM);
        if (c.must_yield()) return c.yield(RS_FREE_BACK);
        int i = c.loc(RS_GOT) - 1;
        c.loc(RS_GOT) = static_cast<uint8_t>(i);
        return c.call(P_free_pages, {c.loc(RS_PAGE0 + i), 0}, RS_FREE_BACK);  // __free_page()
      }
      case RS_REMAP: {
        if (c.must_yield()) return c.yield(RS_REMAP);
        Scope sc(c, "vmemmap_remap_range", kHV612, [&] { return folio_text(pfn); });
        const int slot = folio_slot(c, pfn);
        for (int i = 0; i < nr; ++i) {
          int page = c.loc(RS_PAGE0 + i);
          c.set_owner(page, 1, OWNER_VMEMMAP);
          c.set_folio_vmemmap(slot, i, static_cast<uint8_t>(page));
        }
        folio_clear(c, pfn, FOLIO_vmemmap_optimized);
        c.unlocked_read();
        return c.ret(0);
      }
      default: throw ModelError("hugetlb_vmemmap_restore_folio: bad pc");
    }
  }
}
const ProcDef kRestore{
    "hugetlb_vmemmap_restore_folio", kHV612, RS_N, run_restore, describe_pfn, RetKind::Errno};

// ---- hugetlb_vmemmap_optimize_folio() --------------------------------------------------------

enum OptLoc : uint8_t { OP_PFN, OP_I, OP_N };
enum OptPc : uint8_t { OP_ENTRY = 0, OP_FREE };

// hugetlb_vmemmap_optimize_folio() -> __hugetlb_vmemmap_optimize_folio() -> vmemmap_remap_free(),
// mm/hugetlb_vmemmap.c, v6.12.8: HPG_vmemmap_optimized is set before the tails are remapped
// read-only ("Very Subtle"), in one step here, then the pages that backed them are freed to the
// buddy allocator. The optional allocations of vmemmap_remap_free() (a new head page, a page
// table to split a vmemmap PMD) are not modelled: the optimization always succeeds. A folio whose
// struct pages live outside the modelled zone (no vmemmap pfns in the scenario) frees nothing here.
Flow run_optimize(Ctx& c) {
  const int pfn = c.loc(OP_PFN);
  const int nr = c.L.geo.hugetlb_vmemmap_pages;
  for (;;) {
    switch (c.pc()) {
      case OP_ENTRY: {
        if (c.k.has(F_HUGETLB_FLAG_BEFORE_OPTIMIZE) && !folio_test_hugetlb(c, pfn))
          kernel_warn(c, KC_VMEMMAP_NOT_HUGETLB, pfn);
        if (folio_ref_count(c, pfn)) kernel_warn(c, KC_VMEMMAP_REFCOUNT, pfn, folio_ref_count(c, pfn));
        // vmemmap_should_optimize_folio()
        if (nr == 0 || folio_test(c, pfn, FOLIO_vmemmap_optimized)) return c.ret();
        folio_set(c, pfn, FOLIO_vmemmap_optimized);
        if (c.recording())
          c.note("vmemmap_remap_free(): tail struct pages now map the head's page read-only");
        c.unlocked_read();
        c.loc(OP_I) = 0;
        c.set_pc(OP_FREE);
        break;
      }
      case OP_FREE: {
        const int slot = folio_slot(c, pfn);
        int i = c.loc(OP_I);
        while (i < nr && c.s.folio_vmemmap(slot, i) == NIL) ++i;
        if (i >= nr) return c.ret();
        if (c.must_yield()) return c.yield(OP_FREE);
        int page = c.s.folio_vmemmap(slot, i);
        c.set_folio_vmemmap(slot, i, NIL);
        c.loc(OP_I) = static_cast<uint8_t>(i + 1);
        return c.call(P_free_pages, {page, 0}, OP_FREE);  // free_vmemmap_page_list(): __free_page()
      }
      default: throw ModelError("hugetlb_vmemmap_optimize_folio: bad pc");
    }
  }
}
const ProcDef kOptimize{"hugetlb_vmemmap_optimize_folio", kHV612, OP_N, run_optimize, describe_pfn};

}  // namespace

void fill_hugetlb_vmemmap(Kernel& k) {
  k.procs[P_hugetlb_vmemmap_restore_folio] = &kRestore;
  k.procs[P_hugetlb_vmemmap_optimize_folio] = &kOptimize;
}

}  // namespace pagecheck::model
