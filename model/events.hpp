// What a step did, recorded only when a trace is being built (never while exploring).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pagecheck::model {

// One primitive change of the state, in kernel terms.
enum class DeltaKind : uint8_t {
  SetPageBuddy,    // a = pfn, b = order                 (set_buddy_order)
  ClearPageBuddy,  // a = pfn, b = order it had          (__ClearPageBuddy)
  ListAdd,         // a = list, b = pfn, c = 1 if at tail (list_add / list_add_tail)
  ListDel,         // a = list, b = pfn
  PageblockBits,   // a = pageblock, old/new = flag bits  (set_pfnblock_flags_mask)
  Counter,         // a = counter index, old/new
  Owner,           // a = first pfn, b = nr pages, old/new owner
  PageFlags,       // a = pfn, old/new (flags other than PageBuddy / pcp linkage)
  PcpMigratetype,  // a = pfn, old/new                  (set_pcppage_migratetype, <= v6.9)
  ZoneByte,        // a = ZoneByte, old/new             (pcp high/batch of every pageset)
  LockAcquire,     // a = lock
  LockRelease,     // a = lock
  FolioFlags,      // a = head pfn, old/new folio flag bits (page type and HPG_* flags)
  FolioRef,        // a = head pfn, old/new refcount
  FolioVmemmap,    // a = head pfn, b = index, old/new pfn of a vmemmap page (NIL: none)
  WorkPending,     // old/new WORK_STRUCT_PENDING of free_hpage_work
  MemoryBlock,     // a = block, b = field (0 state, 1 altmap in use, 2 altmap->alloc), old/new
  VmemmapPmd,      // a = PMD, b = field (0 backing, 1 users mask), old/new
};

struct Delta {
  DeltaKind kind;
  int a = 0, b = 0, c = 0;
  int old_v = 0, new_v = 0;
  bool operator==(const Delta&) const = default;
};

enum class EventKind : uint8_t {
  Enter,   // text = "function(args)", cite = source citation
  Leave,   // text = function name, detail = return value text (may be empty)
  Delta,   // delta
  Note,    // text = free-form remark (a decision the code took, e.g. "moved 0 pages")
  Choice,  // text = what was chosen (a nondeterministic outcome)
};

struct Event {
  EventKind kind = EventKind::Note;
  int depth = 0;  // call depth, for call-tree indentation
  std::string text;
  std::string cite;
  std::string detail;
  Delta delta{};

  static Event make(EventKind k, int depth, std::string text = {}, std::string cite = {},
                    std::string detail = {}) {
    Event e;
    e.kind = k;
    e.depth = depth;
    e.text = std::move(text);
    e.cite = std::move(cite);
    e.detail = std::move(detail);
    return e;
  }
};

// Receives events while a step runs.
class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual void event(Event e) = 0;
};

// Collects the events of one step.
class VectorRecorder : public Recorder {
 public:
  void event(Event e) override { events.push_back(std::move(e)); }
  std::vector<Event> events;
};

}  // namespace pagecheck::model
