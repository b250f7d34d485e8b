#include "model/machine.hpp"

#include <fmt/format.h>

#include "model/footprint.hpp"
#include "model/kernel/kernel.hpp"

namespace pagecheck::model {

void Ctx::push_frame(int proc_id, const uint8_t* args, int nargs) {
  const ProcDef* d = k.procs[static_cast<size_t>(proc_id)];
  if (!d) throw ModelError(fmt::format("procedure {} is not modelled by this variant", proc_id));
  if (nargs > d->nlocals)
    throw ModelError(fmt::format("{}: {} arguments for {} locals", d->name, nargs, d->nlocals));
  uint8_t* a = cpu_area();
  int used = a[cpuoff::used];
  int need = 2 + d->nlocals;
  if (used + need > Layout::kStackBytes)
    throw ModelError(fmt::format("call stack of cpu{} overflows calling {}", cpu, d->name));
  uint8_t* f = a + cpuoff::stack + used;
  f[0] = static_cast<uint8_t>(proc_id);
  f[1] = 0;
  for (int i = 0; i < d->nlocals; ++i) f[2 + i] = i < nargs ? args[i] : 0;
  a[cpuoff::top] = static_cast<uint8_t>(used);
  a[cpuoff::used] = static_cast<uint8_t>(used + need);
  a[cpuoff::depth] = static_cast<uint8_t>(a[cpuoff::depth] + 1);
}

void Ctx::pop_frame() {
  uint8_t* a = cpu_area();
  int top = a[cpuoff::top];
  int used = a[cpuoff::used];
  std::memset(a + cpuoff::stack + top, 0, static_cast<size_t>(used - top));
  a[cpuoff::used] = static_cast<uint8_t>(top);
  a[cpuoff::depth] = static_cast<uint8_t>(a[cpuoff::depth] - 1);
  // Find the new top frame by walking from the bottom (stacks are a few frames deep).
  int off = 0, last = 0;
  for (int i = 0; i < a[cpuoff::depth]; ++i) {
    last = off;
    off += 2 + k.procs[a[cpuoff::stack + off]]->nlocals;
  }
  a[cpuoff::top] = static_cast<uint8_t>(last);
}

Flow Ctx::call(int proc_id, std::initializer_list<int> args, int return_pc) {
  if (must_yield())
    throw ModelError(fmt::format("cpu{} calls procedure {} after a region without yielding", cpu, proc_id));
  std::array<uint8_t, 16> buf{};
  int n = 0;
  for (int v : args) {
    if (v < 0 || v > 255) throw ModelError(fmt::format("call argument {} does not fit a byte", v));
    buf[static_cast<size_t>(n++)] = static_cast<uint8_t>(v);
  }
  set_pc(return_pc);
  push_frame(proc_id, buf.data(), n);
  return Flow::Call;
}

int Ctx::choose(int n, const char* what) {
  if (n <= 1) return 0;
  int v = 0;
  if (script_ && choice_pos_ < script_->size()) {
    v = (*script_)[choice_pos_];
  } else if (arity_) {
    arity_->push_back(n);
  }
  ++choice_pos_;
  if (recording())
    rec_->event(Event::make(EventKind::Choice, call_depth(), fmt::format("{} -> {}", what, v)));
  return v;
}

bool Ctx::spin_lock(int lock) {
  if (lock_held_by_other(lock)) {
    if (changed_) throw ModelError("a step blocked on a lock after changing the state");
    return false;
  }
  if (s.lock_owner(lock) == owner_of_cpu(cpu))
    throw ModelError(fmt::format("cpu{} takes lock {} it already holds", cpu, lock));
  s.set_lock_owner(lock, owner_of_cpu(cpu));
  rec(Delta{DeltaKind::LockAcquire, lock});
  return true;
}

bool Ctx::spin_trylock(int lock) {
  if (s.lock_owner(lock) != 0) return false;
  s.set_lock_owner(lock, owner_of_cpu(cpu));
  rec(Delta{DeltaKind::LockAcquire, lock});
  return true;
}

void Ctx::spin_unlock(int lock) {
  if (s.lock_owner(lock) != owner_of_cpu(cpu))
    throw ModelError(fmt::format("cpu{} releases lock {} it does not hold", cpu, lock));
  s.set_lock_owner(lock, 0);
  rec(Delta{DeltaKind::LockRelease, lock});
  ++regions_;
}

void Ctx::rec(const Delta& d) {
  changed_ = true;
  if (rec_) {
    Event e = Event::make(EventKind::Delta, call_depth());
    e.delta = d;
    rec_->event(std::move(e));
  }
}

void Ctx::set_buddy(int pfn, int order) {
  s.set_priv(pfn, static_cast<uint8_t>(order));
  s.set_flags(pfn, s.flags(pfn) | PG_buddy);
  rec(Delta{DeltaKind::SetPageBuddy, pfn, order});
}

void Ctx::clear_buddy(int pfn) {
  int order = s.priv(pfn);
  s.set_flags(pfn, s.flags(pfn) & ~PG_buddy);
  s.set_priv(pfn, 0);
  rec(Delta{DeltaKind::ClearPageBuddy, pfn, order});
}

// list_add() of a page whose lru is still linked elsewhere: both lists are corrupt from here on
// (CONFIG_DEBUG_LIST's __list_del_entry_valid(), lib/list_debug.c, reports it at the next
// list_del() on either list). The model cannot represent the state, so the step ends here with
// the violation, whatever properties were selected.
void Ctx::list_corruption(int list, int pfn) {
  Violation v;
  v.property = "list-corruption";
  v.message = fmt::format("cpu{}: pfn {} is added to {} while it is still on {}: both lists are corrupt", cpu,
                          pfn, list_name(L, list), list_name(L, s.list_of(pfn)));
  v.pfns = {pfn};
  v.lists = {list_name(L, list), list_name(L, s.list_of(pfn))};
  if (rec_) note(v.message);
  raise(std::move(v));
  throw StepAborted{};
}

void Ctx::list_add(int list, int pfn) {
  if (s.list_of(pfn) != NIL) list_corruption(list, pfn);
  s.set_next(pfn, s.head(list));
  s.set_head(list, static_cast<uint8_t>(pfn));
  s.set_list_of(pfn, static_cast<uint8_t>(list));
  rec(Delta{DeltaKind::ListAdd, list, pfn, 0});
}

void Ctx::list_add_tail(int list, int pfn) {
  if (s.list_of(pfn) != NIL) list_corruption(list, pfn);
  int tail = s.list_tail(list);
  if (tail < 0)
    s.set_head(list, static_cast<uint8_t>(pfn));
  else
    s.set_next(tail, static_cast<uint8_t>(pfn));
  s.set_next(pfn, NIL);
  s.set_list_of(pfn, static_cast<uint8_t>(list));
  rec(Delta{DeltaKind::ListAdd, list, pfn, 1});
}

void Ctx::list_del(int pfn) {
  int list = s.list_of(pfn);
  if (list == NIL) throw ModelError(fmt::format("list_del of pfn {} that is on no list", pfn));
  if (s.head(list) == pfn) {
    s.set_head(list, s.next(pfn));
  } else {
    int p = s.head(list);
    while (s.next(p) != pfn) p = s.next(p);
    s.set_next(p, s.next(pfn));
  }
  s.set_next(pfn, NIL);
  s.set_list_of(pfn, NIL);
  rec(Delta{DeltaKind::ListDel, list, pfn});
}

void Ctx::set_pb_bits(int pb, uint8_t bits) {
  uint8_t old = s.pb_bits(pb);
  if (old == bits) return;
  s.set_pb_bits(pb, bits);
  rec(Delta{DeltaKind::PageblockBits, pb, 0, 0, old, bits});
}

void Ctx::mod_counter(int idx, int delta) {
  if (delta == 0) return;
  // A counter update is an add, not a read and a write: adds commute (model/footprint.hpp).
  AccessLog* log = s.log();
  if (log) {
    log->on_add(idx);
    s.set_log(nullptr);
  }
  int old = s.counter(idx);
  s.set_counter(idx, old + delta);
  s.set_log(log);
  rec(Delta{DeltaKind::Counter, idx, 0, 0, old, old + delta});
}

void Ctx::set_owner(int pfn, int nr, uint8_t owner) {
  uint8_t old = s.owner(pfn);
  bool same = true;
  for (int i = 0; i < nr; ++i) {
    same = same && s.owner(pfn + i) == owner;
    s.set_owner(pfn + i, owner);
  }
  if (!same) rec(Delta{DeltaKind::Owner, pfn, nr, 0, old, owner});
}

void Ctx::set_page_flags(int pfn, uint8_t flags) {
  uint8_t old = s.flags(pfn);
  if (old == flags) return;
  s.set_flags(pfn, flags);
  rec(Delta{DeltaKind::PageFlags, pfn, 0, 0, old, flags});
}

void Ctx::set_pcpmt(int pfn, uint8_t mt) {
  uint8_t old = s.pcpmt(pfn);
  if (old == mt) return;
  s.set_pcpmt(pfn, mt);
  rec(Delta{DeltaKind::PcpMigratetype, pfn, 0, 0, old, mt});
}

void Ctx::set_zone_byte(ZoneByte b, uint8_t v) {
  uint8_t old = s.zone_byte(b);
  if (old == v) return;
  s.set_zone_byte(b, v);
  rec(Delta{DeltaKind::ZoneByte, b, 0, 0, old, v});
}

void Ctx::set_folio_flags(int slot, uint8_t flags) {
  uint8_t old = s.folio_flags(slot);
  if (old == flags) return;
  s.set_folio_flags(slot, flags);
  rec(Delta{DeltaKind::FolioFlags, L.slot_pfn(slot), 0, 0, old, flags});
}

void Ctx::set_folio_ref(int slot, int ref) {
  uint8_t old = s.folio_ref(slot);
  if (old == ref) return;
  if (ref < 0 || ref > 255) throw ModelError(fmt::format("folio refcount {} out of range", ref));
  s.set_folio_ref(slot, static_cast<uint8_t>(ref));
  rec(Delta{DeltaKind::FolioRef, L.slot_pfn(slot), 0, 0, old, ref});
}

void Ctx::set_folio_vmemmap(int slot, int i, uint8_t pfn) {
  uint8_t old = s.folio_vmemmap(slot, i);
  if (old == pfn) return;
  s.set_folio_vmemmap(slot, i, pfn);
  rec(Delta{DeltaKind::FolioVmemmap, L.slot_pfn(slot), i, 0, old, pfn});
}

void Ctx::set_work_pending(bool pending) {
  uint8_t old = s.work_pending();
  if (old == pending) return;
  s.set_work_pending(pending);
  rec(Delta{DeltaKind::WorkPending, 0, 0, 0, old, pending});
}

void Ctx::set_block(int block, int field, int v) {
  int old = field == 0 ? s.block_state(block) : field == 1 ? s.block_altmap(block) : s.altmap_alloc(block);
  if (old == v) return;
  if (field == 0)
    s.set_block_state(block, static_cast<uint8_t>(v));
  else if (field == 1)
    s.set_block_altmap(block, static_cast<uint8_t>(v));
  else
    s.set_altmap_alloc(block, v);
  rec(Delta{DeltaKind::MemoryBlock, block, field, 0, old, v});
}

void Ctx::set_pmd(int chunk, int field, int v) {
  int old = field == 0 ? s.pmd_backing(chunk) : s.pmd_users(chunk);
  if (old == v) return;
  if (field == 0)
    s.set_pmd_backing(chunk, static_cast<uint8_t>(v));
  else
    s.set_pmd_users(chunk, static_cast<uint8_t>(v));
  rec(Delta{DeltaKind::VmemmapPmd, chunk, field, 0, old, v});
}

void Ctx::wake_thread(int thread, int proc_id) {
  uint8_t* a = s.cpu(thread);
  if (a[cpuoff::depth] != 0) throw ModelError(fmt::format("thread {} woken while it runs", thread));
  const ProcDef* d = k.procs[static_cast<size_t>(proc_id)];
  if (!d) throw ModelError(fmt::format("procedure {} is not modelled by this variant", proc_id));
  uint8_t* f = a + cpuoff::stack;
  f[0] = static_cast<uint8_t>(proc_id);
  f[1] = 0;
  for (int i = 0; i < d->nlocals; ++i) f[2 + i] = 0;
  a[cpuoff::top] = 0;
  a[cpuoff::used] = static_cast<uint8_t>(2 + d->nlocals);
  a[cpuoff::depth] = 1;
  changed_ = true;
  if (rec_) note(fmt::format("{} starts on the worker thread", d->name));
}

void Ctx::note(std::string text) {
  if (rec_) rec_->event(Event::make(EventKind::Note, call_depth(), std::move(text)));
}

void Ctx::enter(std::string call, const char* cite, int at_depth) {
  if (rec_)
    rec_->event(Event::make(EventKind::Enter, at_depth < 0 ? call_depth() : at_depth, std::move(call), cite));
}

void Ctx::leave(const char* name, std::string result, int at_depth) {
  if (rec_)
    rec_->event(
        Event::make(EventKind::Leave, at_depth < 0 ? call_depth() : at_depth, name, {}, std::move(result)));
}

}  // namespace pagecheck::model

namespace pagecheck::model {
std::string format_ret(RetKind k, int v) {
  switch (k) {
    case RetKind::Void: return {};
    case RetKind::Errno:
      if (v == 0) return "0";
      if (v == -kEBUSY) return "-EBUSY";
      if (v == -kENOENT) return "-ENOENT";
      if (v == -kENOMEM) return "-ENOMEM";
      return std::to_string(v);
    case RetKind::Pfn: return v < 0 ? "NULL" : fmt::format("pfn {}", v);
    case RetKind::Count: return std::to_string(v);
  }
  return {};
}
}  // namespace pagecheck::model
