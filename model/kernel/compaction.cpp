// mm/compaction.c, modelled: the free scanner's isolate_freepages_block(), which takes free pages
// off the buddy lists with __isolate_free_page() (the path b54ccd3c6bac is about), and the strict
// isolate_freepages_range() alloc_contig_range() uses.
#include <fmt/format.h>

#include "model/kernel/internal.hpp"

namespace pagecheck::model {

namespace {

constexpr const char* kCompaction = "mm/compaction.c, v6.12.8";

enum FreeScanLoc : uint8_t { C_START, C_END, C_NR_MIGRATE, C_PFN, C_NR_FREE, C_N };
enum FreeScanPc : uint8_t { C_ENTRY = 0, C_SCAN, C_LOCKED };

std::string describe_free_scan(const Ctx& c) {
  return fmt::format("pfns {}-{}, nr_migratepages {}", c.loc(C_START), c.loc(C_END) - 1, c.loc(C_NR_MIGRATE));
}

// isolate_freepages_block(strict = false), mm/compaction.c, v6.12.8: each PageBuddy() test before
// the zone->lock is taken is a lockless peek; at the first free page the lock is taken (and the
// test repeated), then the rest of the block is scanned under it. Every free buddy goes through
// __isolate_free_page() to the compactor (this CPU), until cc->nr_freepages reaches
// cc->nr_migratepages. (compact_unlock_should_abort() every COMPACT_CLUSTER_MAX pfns is not
// reached in blocks this small; stride is 1.)
Flow run_isolate_freepages_block(Ctx& c) {
  const int end = c.loc(C_END);
  for (;;) {
    switch (c.pc()) {
      case C_ENTRY:
        c.loc(C_PFN) = c.loc(C_START);
        c.set_pc(C_SCAN);
        break;
      case C_SCAN: {
        const int pfn = c.loc(C_PFN);
        if (pfn >= end) return c.ret(c.loc(C_NR_FREE));
        if (c.must_yield()) return c.yield(C_SCAN);
        bool buddy = PageBuddy(c, pfn);  // lockless
        c.unlocked_read();
        if (c.recording()) c.note(fmt::format("PageBuddy(pfn {}) = {}", pfn, buddy ? "true" : "false"));
        if (buddy)
          c.set_pc(C_LOCKED);
        else
          c.loc(C_PFN) = static_cast<uint8_t>(pfn + 1);
        break;
      }
      case C_LOCKED: {
        if (c.must_yield()) return c.yield(C_LOCKED);
        take_zone_lock(c);  // compact_lock_irqsave()
        int pfn = c.loc(C_PFN);
        while (pfn < end) {
          if (!PageBuddy(c, pfn)) {  // isolate_fail: not strict, go on
            pfn++;
            continue;
          }
          int order = buddy_order(c, pfn);
          int isolated = c.k.fn.__isolate_free_page(c, pfn, order);
          if (!isolated) break;
          c.set_owner(pfn, isolated, owner_of_cpu(c.cpu));
          c.loc(C_NR_FREE) = static_cast<uint8_t>(c.loc(C_NR_FREE) + isolated);
          pfn += isolated;
          if (c.loc(C_NR_MIGRATE) <= c.loc(C_NR_FREE)) break;
        }
        c.spin_unlock(LOCK_ZONE);
        return c.ret(c.loc(C_NR_FREE));
      }
      default: throw ModelError("isolate_freepages_block: bad pc");
    }
  }
}
const ProcDef kIsolateFreepagesBlock{"isolate_freepages_block",   kCompaction,        C_N,
                                     run_isolate_freepages_block, describe_free_scan, RetKind::Count};

}  // namespace

void fill_compaction(Kernel& k) {
  k.procs[P_isolate_freepages_block] = &kIsolateFreepagesBlock;
}

}  // namespace pagecheck::model
