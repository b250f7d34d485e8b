// The encoded kernel: the SMT counterpart of model::Kernel, one entry per function of
// model::KernelFns that the encoded operations reach, and a step function per procedure.
//
// build_sym_kernel() looks at the explicit kernel table of the variant and picks, entry by entry,
// the encoding of the very function installed there (the baseline's, or the replacement a
// hygiene commit installs). An entry it has no encoding for, a behaviour switch it does not
// know, or a procedure it does not encode makes it refuse the variant with one line, so a new
// commit or a new model function can never be checked with a stale encoding. Adding a step:
// write its encoding in page_alloc.cpp / page_isolation.cpp (or a new file for a new kernel
// source file), register it in that file's fill function, and extend the differential test's
// operation generator (tests/unit/test_smt_diff.cpp).
#pragma once

#include <array>
#include <string>

#include "checker/smt/exec.hpp"
#include "model/kernel/kernel.hpp"

namespace pagecheck::smt {

using Int = z3::expr;   // a 16-bit int expression
using Bool = z3::expr;  // a boolean expression
using SymRun = model::Flow (*)(Exec&);

struct SymKernel {
  Int (*get_pfnblock_migratetype)(Exec&, const Int& pfn) = nullptr;
  void (*set_pageblock_migratetype)(Exec&, const Int& pfn, const Int& mt) = nullptr;
  void (*__add_to_free_list)(Exec&, const Int& pfn, const Int& order, const Int& mt,
                             const Bool& tail) = nullptr;
  void (*move_to_free_list)(Exec&, const Int& pfn, const Int& order, const Int& old_mt,
                            const Int& new_mt) = nullptr;
  void (*__del_page_from_free_list)(Exec&, const Int& pfn, const Int& order, const Int& mt) = nullptr;
  void (*del_page_from_free_list)(Exec&, const Int& pfn, const Int& order, const Int& mt) = nullptr;
  Int (*expand)(Exec&, const Int& pfn, const Int& low, const Int& high, const Int& mt) = nullptr;
  Int (*__rmqueue_smallest)(Exec&, const Int& order, const Int& mt) = nullptr;
  Int (*__rmqueue)(Exec&, const Int& order, const Int& mt, const Int& alloc_flags) = nullptr;
  Int (*__rmqueue_fallback)(Exec&, const Int& order, const Int& start_mt) = nullptr;  // page (or 1), or -1
  Int (*rmqueue_buddy)(Exec&, const Int& order, const Int& mt,
                       const Int& alloc_flags) = nullptr;  // one region
  void (*__free_one_page)(Exec&, const Int& pfn, const Int& order, const Int& mt, int fpi) = nullptr;
  void (*split_large_buddy)(Exec&, const Int& pfn, const Int& order, int fpi) = nullptr;
  void (*free_one_page)(Exec&, const Int& pfn, const Int& order, const Int& mt,
                        int fpi) = nullptr;  // one region
  Int (*move_freepages_block)(Exec&, const Int& pfn, const Int& old_mt, const Int& new_mt) = nullptr;
  Bool (*move_freepages_block_isolate)(Exec&, const Int& pfn, const Int& mt) = nullptr;
  Bool (*has_unmovable_pages)(Exec&, const Int& start, const Int& end, const Int& mt) = nullptr;
  Int (*set_migratetype_isolate)(Exec&, const Int& pfn, const Int& mt, const Int& start,
                                 const Int& end) = nullptr;
  void (*unset_migratetype_isolate)(Exec&, const Int& pfn, const Int& mt) = nullptr;  // one region
  // Takes zone->lock unless the offset is 0: decides at procedure level.
  Int (*split_free_page)(Exec&, const Int& pfn, const Int& order, const Int& split_pfn_offset) = nullptr;
  Int (*__isolate_free_page)(Exec&, const Int& pfn, const Int& order) = nullptr;
  void (*__putback_isolated_page)(Exec&, const Int& pfn, const Int& order, const Int& mt) = nullptr;
  std::array<SymRun, model::kMaxProcs> procs{};
};

// The behaviour switches the encoding implements.
inline constexpr uint64_t kEncodedFeatures =
    model::F_NO_PCPPAGE_MT_CACHE | model::F_MERGE_FIXES_BLOCK_TYPE | model::F_MOVE_FREEPAGES_RANGE_FIX |
    model::F_FREE_MT_UNDER_ZONE_LOCK | model::F_MOVE_FREEPAGES_SETS_TYPE |
    model::F_ISOLATE_SPLITS_UNDER_LOCK | model::F_ACCOUNT_FREEPAGES | model::F_BLOCK_CONVERSION_TXN |
    model::F_ISOLATE_RECHECK_ON_FREE | model::F_MERGE_CHECKS_BUDDY_TYPE | model::F_ISOLATE_FREE_PAGE_MOVES |
    model::F_V2_MERGE_RETYPE_BEFORE_DEL | model::F_V2_BUDDY_MT_EVERY_ORDER | model::F_V2_CMA_FALLBACK_ELSE |
    model::F_NR_FREE_HIGHATOMIC | model::F_FREE_ONE_PAGE_SPLITS;

// Switches that change only code outside what the encoder accepts, so they cannot change an
// encoded step: the pcp paths (the encoder refuses a geometry with pcp lists), a zone that starts
// above pfn 0 (refused), the fallback and highatomic reserve paths (unsupported() where
// reachable; highatomic=1 refused), hugetlb, alloc_pages_exact and memory hotplug (operations the
// encoder refuses). Each was checked against its uses in model/kernel/.
inline constexpr uint64_t kOutsideEncodedScope =
    model::F_PCP_BYPASS_TRUE_MT | model::F_HIGHATOMIC_MULTIBLOCK | model::F_HIGHATOMIC_SMALL_ZONE |
    model::F_DRAIN_ZONE_BATCHED | model::F_V2_KEEP_PCP_BULK_BUG_ON | model::F_V2_MOVE_CLAMPS_ZONE_START |
    model::F_V2_STEAL_SHAPE | model::F_NO_RACY_MT_REMNANTS | model::F_RMQUEUE_MODE_MEMO |
    model::F_HUGETLB_FREED_MARKER | model::F_HUGETLB_FLAG_AFTER_VMEMMAP |
    model::F_HUGETLB_FLAG_BEFORE_OPTIMIZE | model::F_HUGETLB_CLEAR_IF_HUGETLB | model::F_WAIT_FREED_HUGETLB |
    model::F_DISSOLVE_ADJUST_SURPLUS | model::F_VMEMMAP_RETRY_FOREVER | model::F_ALLOC_EXACT_TO_TAIL |
    model::F_MHP_NO_PMD_GATE;

// Throws InputError naming the first function, switch or procedure it does not encode.
SymKernel build_sym_kernel(const model::Kernel& k, const std::string& variant);

// Per source file (checker/smt/page_alloc.cpp, page_isolation.cpp). `base` is the pre-hygiene
// table, to recognise which function the variant installed.
void fill_sym_page_alloc(SymKernel& K, const model::Kernel& k, const model::Kernel& base,
                         const std::string& variant);
void fill_sym_page_isolation(SymKernel& K, const model::Kernel& k, const model::Kernel& base,
                             const std::string& variant);

// The encoding of the function installed at one entry: the one whose explicit function is
// `installed`, among (explicit, encoding) pairs; refuses when none matches.
template <class Fn, class Enc>
Enc pick(Fn installed, std::initializer_list<std::pair<Fn, Enc>> known, const char* what,
         const std::string& variant) {
  if (!installed) return nullptr;
  for (const auto& [f, e] : known)
    if (f == installed) return e;
  throw InputError(std::string("the SMT engine does not encode the ") + what + "() of variant '" + variant +
                   "'; use --engine explicit");
}

}  // namespace pagecheck::smt
