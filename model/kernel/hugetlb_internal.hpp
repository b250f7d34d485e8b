// Helpers shared by the hugetlb model files (model/kernel/hugetlb.cpp, hugetlb_vmemmap.cpp) and
// the code that meets hugetlb folios elsewhere (offline, test_pages_isolated, has_unmovable_pages).
#pragma once

#include <string>

#include "model/kernel/internal.hpp"

namespace pagecheck::model {

inline constexpr const char* kHT612 = "mm/hugetlb.c, v6.12.8";
inline constexpr const char* kHT71 = "mm/hugetlb.c, v7.1.8";
inline constexpr const char* kHV612 = "mm/hugetlb_vmemmap.c, v6.12.8";

inline bool has_hugetlb(const Ctx& c) {
  return c.L.geo.has_hugetlb();
}
inline int huge_page_order(const Ctx& c) {
  return c.L.geo.hugetlb_order;
}
inline int folio_slot(const Ctx& c, int pfn) {
  return c.L.slot_of(pfn);
}
inline bool folio_test(const Ctx& c, int pfn, FolioFlag f) {
  return (c.s.folio_flags(folio_slot(c, pfn)) & f) != 0;
}
inline bool folio_test_hugetlb(const Ctx& c, int pfn) {
  return folio_test(c, pfn, FOLIO_hugetlb);
}
inline int folio_ref_count(const Ctx& c, int pfn) {
  return c.s.folio_ref(folio_slot(c, pfn));
}
void folio_set(Ctx& c, int pfn, FolioFlag f);
void folio_clear(Ctx& c, int pfn, FolioFlag f);

inline int hstate_counter(const Ctx& c, HugetlbCounter hc) {
  return c.s.counter(c.L.counter_hugetlb(hc));
}
inline void mod_hstate_counter(Ctx& c, HugetlbCounter hc, int delta) {
  c.mod_counter(c.L.counter_hugetlb(hc), delta);
}

// spin_lock_irq(&hugetlb_lock): false when another thread holds it (the step is not enabled).
[[nodiscard]] inline bool hugetlb_lock(Ctx& c) {
  return c.spin_lock(c.L.lock_hugetlb);
}
inline void hugetlb_unlock(Ctx& c) {
  c.spin_unlock(c.L.lock_hugetlb);
}

// hpage_freelist is empty and free_hpage_work is neither pending nor running.
bool free_hpage_work_idle(const Ctx& c);

std::string folio_text(int pfn);

}  // namespace pagecheck::model
