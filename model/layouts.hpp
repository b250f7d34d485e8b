// Initial states: the explicit layout of a scenario, or every well-formed layout of its geometry.
#pragma once

#include <functional>
#include <vector>

#include "model/scenario.hpp"
#include "model/system.hpp"

namespace pagecheck::model {

// A layout: pageblock types, free buddies (per list, head first), allocations.
struct MemoryLayout {
  std::vector<Mt> pageblock_mt;
  std::vector<FreeBuddy> free;
  std::vector<Allocation> allocated;  // pages not free and not listed: external, order 0
  std::vector<PcpPage> pcp;           // pages on pcp lists
  HugetlbInitial hugetlb;             // the hugetlb pool (geometry with hugetlb)
};

// Lays a layout out in a fresh state (counters computed from the lists) and starts the programs.
State build_state(const TransitionSystem& ts, const MemoryLayout& layout);

// The scenario's explicit layout.
MemoryLayout explicit_layout(const Scenario& sc);

// Every well-formed layout of the geometry, over the scenario's allowed pageblock types:
// each page free or allocated; free pages grouped into the buddies the kernel's merging leaves
// (merging stops only at MAX_PAGE_ORDER or between pageblocks whose types may not merge);
// every order of the entries of each free list. Layouts where a page the scenario frees is not
// allocated are skipped. Calls f for each; returns how many.
long for_each_layout(const Scenario& sc, const std::function<void(const MemoryLayout&)>& f);

// The initial states of a scenario (one, or one per layout); throws InputError past `limit`.
std::vector<State> initial_states(const TransitionSystem& ts, const Scenario& sc, long limit = 2'000'000);

}  // namespace pagecheck::model
