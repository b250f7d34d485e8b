// mm/memory_hotplug.c, modelled: offline_pages() of a range of the zone.
#include <fmt/format.h>

#include "model/kernel/footprints.hpp"
#include "model/kernel/internal.hpp"

namespace pagecheck::model {

namespace {

constexpr const char* kMH = "mm/memory_hotplug.c, v6.12.8";

enum OffLoc : uint8_t { O_START, O_END, O_RET, O_N };
enum OffPc : uint8_t {
  O_ENTRY = 0,
  O_DRAIN,
  O_ISOLATE,
  O_ISOLATED,
  O_TEST,
  O_TESTED,
  O_OFFLINE,
  O_COUNT,
  O_ENABLE
};

std::string describe_offline(const Ctx& c) {
  return fmt::format("pfns {}-{}", c.loc(O_START), c.loc(O_END) - 1);
}

// offline_pages(), mm/memory_hotplug.c, v6.12.8 (the same steps since zone_pcp_disable(),
// ec6e8c7e0314, v5.11): zone_pcp_disable() (every pageset to high 0, batch 1 under
// pcp_batch_high_lock, then a forced drain of every CPU), start_isolate_page_range(MIGRATE_MOVABLE,
// MEMORY_OFFLINE), test_pages_isolated() until it succeeds -- the migration of movable pages in
// between is not modelled, so a page someone holds keeps the loop going, as the kernel's would
// until a signal -- __offline_isolated_pages(), the nr_isolate_pageblock adjustment in its own
// zone->lock section, zone_pcp_enable(). A failed isolation (start_isolate_page_range() undoes
// its own) re-enables the pcp lists and returns -EBUSY. Taking pcp_batch_high_lock is folded into
// the step after it: only other zone_pcp_disable() callers contend for it.
Flow run_offline_pages(Ctx& c) {
  const int start = c.loc(O_START), end = c.loc(O_END);
  for (;;) {
    switch (c.pc()) {
      case O_ENTRY:
        if (!c.spin_lock(c.L.lock_pcp_batch_high)) return Flow::Blocked;
        zone_pcp_set_disabled(c, true);  // __zone_set_pageset_high_and_batch(zone, 0, 1)
        c.unlocked_read();               // plain stores every CPU's pcp path reads
        c.set_pc(O_DRAIN);
        break;
      case O_DRAIN:
        if (c.must_yield()) return c.yield(O_DRAIN);
        return c.call(P_drain_all_pages, {1, 1}, O_ISOLATE);  // __drain_all_pages(zone, true)
      case O_ISOLATE:
        if (c.must_yield()) return c.yield(O_ISOLATE);
        return c.call(P_start_isolate_page_range, {start, end, static_cast<int>(Mt::MOVABLE)}, O_ISOLATED);
      case O_ISOLATED:
        if (c.retval()) {  // "failure to isolate range"
          c.loc(O_RET) = 1;
          c.set_pc(O_ENABLE);
          break;
        }
        c.set_pc(O_TEST);
        break;
      case O_TEST:
        if (c.must_yield()) return c.yield(O_TEST);
        return c.call(P_test_pages_isolated, {start, end, 1}, O_TESTED);  // MEMORY_OFFLINE
      case O_TESTED:
        c.set_pc(c.retval() ? O_TEST : O_OFFLINE);  // "} while (ret);"
        break;
      case O_OFFLINE:
        if (c.must_yield()) return c.yield(O_OFFLINE);
        __offline_isolated_pages(c, start, end);
        c.set_pc(O_COUNT);
        break;
      case O_COUNT:
        if (c.must_yield()) return c.yield(O_COUNT);
        take_zone_lock(c);
        if (c.k.has(F_ISOLATE_RECHECK_ON_FREE))
          c.mod_counter(Counter::nr_isolate_pageblock, -((end - start) / pageblock_nr_pages(c)));
        c.spin_unlock(LOCK_ZONE);
        c.loc(O_RET) = 0;
        c.set_pc(O_ENABLE);
        break;
      case O_ENABLE:  // zone_pcp_enable()
        if (c.must_yield()) return c.yield(O_ENABLE);
        zone_pcp_set_disabled(c, false);
        c.spin_unlock(c.L.lock_pcp_batch_high);
        return c.ret(c.loc(O_RET) ? -kEBUSY : 0);
      default: throw ModelError("offline_pages: bad pc");
    }
  }
}
// Each step of offline_pages(): zone_pcp_disable()/enable() (pcp_batch_high_lock, held across
// the steps between, and every pageset's high and batch), the calls (their first steps run in
// the same step), __offline_isolated_pages() over the range's MAX_PAGE_ORDER blocks and the
// nr_isolate_pageblock update, each under zone->lock. At a return pc after a callee's region
// the frame only sets locals before it yields; where the callee's return value would decide
// more, it declares everything.
void fp_offline_pages(const Ctx& c, Footprint& fp) {
  const int start = c.loc(O_START), end = c.loc(O_END);
  const bool cont = fp.continuation();
  const bool yielding = cont && fp.must_yield();
  switch (c.pc()) {
    case O_ENTRY:
    case O_ENABLE:
      fp.hold(c.L.lock_pcp_batch_high);
      fp.write_zone_byte(ZB_PCP_HIGH);
      fp.write_zone_byte(ZB_PCP_BATCH);
      if (c.pc() == O_ENABLE) fp.may_return(true);
      return;
    case O_DRAIN: fp.call(P_drain_all_pages, {1, 1}, O_ISOLATE); return;
    case O_ISOLATE:
      if (!yielding)
        fp.call(P_start_isolate_page_range, {start, end, static_cast<int>(Mt::MOVABLE)}, O_ISOLATED);
      return;
    case O_ISOLATED:
    case O_TESTED:
      if (!yielding) fp.set_everything();
      return;
    case O_TEST: fp.call(P_test_pages_isolated, {start, end, 1}, O_TESTED); return;
    case O_OFFLINE:
      for (int p = start; p < end; p = max_order_block_start(c, p) + c.L.geo.max_order_nr_pages())
        fp_zone_section(c, fp, p, mt_bit(Mt::ISOLATE), false);
      fp.lock(LOCK_ZONE);
      return;
    case O_COUNT:
      fp.lock(LOCK_ZONE);
      fp.add_counter(Counter::nr_isolate_pageblock);
      return;
    default: fp.set_everything(); return;
  }
}
const ProcDef kOfflinePages{"offline_pages", kMH, O_N, run_offline_pages, describe_offline, RetKind::Errno,
                            fp_offline_pages};

}  // namespace

void fill_memory_hotplug(Kernel& k) {
  k.procs[P_offline_pages] = &kOfflinePages;
}

}  // namespace pagecheck::model
