// Depth-first search (--strategy dfs) with a stack of expanded states; the store is the same
// as BFS's. Its counterexamples are the first found, not the shortest. Sleep sets follow
// Godefroid's stateful algorithm (thesis, 1996, fig. 5.2): a state met again with fewer CPUs
// asleep is explored again for the ones that woke up.
#include <fmt/format.h>

#include <cstring>

#include "checker/bfs.hpp"

namespace pagecheck::checker {

namespace {

struct Frame {
  std::vector<uint8_t> state;
  uint32_t id = 0;
  uint16_t aux = 0;
  Mask todo = kAllCpus;
  PathStep step;  // the step that led here
  bool expanded = false;
  size_t next = 0;
  std::vector<Succ> succs;
  std::vector<uint8_t> buf;
  std::vector<model::Violation> raised;
  std::vector<uint16_t> auxo;
  std::vector<uint8_t> skip;
};

}  // namespace

std::optional<Found> run_dfs(const Setup& su, Control& ctl, Stats& st, std::vector<uint64_t>* terminal) {
  const size_t S = su.S;
  const Mask all_cpus = static_cast<Mask>((1u << su.cpus) - 1);
  StateStore store(S, su.opt.full_states, su.need_aux);
  std::vector<uint16_t> aux;
  Expander ex(su);
  std::vector<model::Footprint> fps;
  std::vector<Frame> frames;
  size_t top = 0;  // frames in use
  uint32_t next_id = 0;
  long expansions = 0;
  bool bounded = false;

  auto memory = [&] {
    size_t m = store.bytes() + aux.capacity() * sizeof(uint16_t);
    for (const Frame& f : frames)
      m += f.state.capacity() + f.buf.capacity() + f.succs.capacity() * sizeof(Succ);
    return static_cast<long>(m);
  };
  auto finish = [&] {
    st.footprint_checks += ex.footprint_checks;
    ex.footprint_checks = 0;
    st.states = static_cast<long>(store.size());
    st.store_bytes = static_cast<long>(store.bytes() + aux.capacity() * sizeof(uint16_t));
    ctl.note_memory(memory());
  };
  auto push = [&](const uint8_t* b, uint32_t id, uint16_t a, Mask todo, PathStep step) {
    if (frames.size() <= top) frames.emplace_back();
    Frame& f = frames[top++];
    f.state.assign(b, b + S);
    f.id = id;
    f.aux = a;
    f.todo = todo;
    f.step = step;
    f.expanded = false;
    f.next = 0;
    st.max_depth = std::max(st.max_depth, static_cast<long>(top - 1));
  };
  auto found = [&](int initial, model::Violation v, const PathStep* last) {
    Found f;
    f.violation = std::move(v);
    f.initial_index = initial;
    for (size_t i = 1; i < top; ++i) f.path.push_back(frames[i].step);
    if (last) f.path.push_back(*last);
    finish();
    return f;
  };
  // Room in the store for one more state, within --memory-limit (else the search stops).
  auto room = [&] {
    if (store.needs_room(1) &&
        ctl.memory_over(memory() + static_cast<long>(store.bytes_with(1) - store.bytes()))) {
      ctl.stop(fmt::format("--memory-limit {} MB reached", su.bounds.memory_limit_mb));
      return false;
    }
    store.reserve(1, 1);
    return true;
  };
  // A state reached: new, or met again with less reduction data.
  auto admit = [&](const uint8_t* b, uint64_t fp, uint16_t a,
                   PathStep step) -> std::optional<model::Violation> {
    const int64_t slot = store.find(fp, b);
    if (slot >= 0) {
      if (!su.need_aux) return std::nullopt;
      const uint32_t id = store.id_at(slot);
      uint16_t& stored = aux[id];
      if (su.sleep) {
        const Mask todo = sleep_todo(stored, a);
        if (!todo) return std::nullopt;
        stored = static_cast<uint16_t>(stored & a);
        push(b, id, stored, todo, step);
      } else {
        if (pb_dominated(stored, a)) return std::nullopt;
        stored = pb_merge(stored, a);
        push(b, id, a, kAllCpus, step);
      }
      ++st.revisits;
      return std::nullopt;
    }
    if (!room()) return std::nullopt;
    const uint32_t id = next_id++;
    store.place(fp, id, b);
    if (su.need_aux) aux.push_back(a);
    if (auto v = check_new_state(su, {b, S})) return v;
    if (su.bounds.max_states >= 0 && static_cast<long>(store.size()) > su.bounds.max_states)
      ctl.stop(fmt::format("--max-states {} reached", su.bounds.max_states));
    push(b, id, a, kAllCpus, step);
    return std::nullopt;
  };

  std::vector<uint8_t> root(S);
  for (size_t i = 0; i < su.initial.size() && !ctl.stopped(); ++i) {
    std::memcpy(root.data(), su.initial[i].bytes().data(), S);
    Perm perm;
    const uint64_t fp = ex.canonical_root(root.data(), perm);
    if (store.find(fp, root.data()) >= 0) continue;
    ++st.initial_states;
    top = 0;
    if (auto v = admit(root.data(), fp, su.pb ? pb_aux(0, 0) : 0, {}))
      return found(static_cast<int>(i), *v, nullptr);
    while (top > 0) {
      Frame& f = frames[top - 1];
      if (!f.expanded) {
        f.expanded = true;
        const std::span<const uint8_t> s(f.state.data(), S);
        const Mask done = done_cpus(su.L, s);
        const bool at_bound = su.bounds.max_depth >= 0 && static_cast<long>(top - 1) >= su.bounds.max_depth;
        const Mask z = su.sleep ? static_cast<Mask>(f.aux & 0xFF) : 0;
        const Mask en = ex.expand(s, at_bound ? kAllCpus : static_cast<Mask>(f.todo & ~z), !at_bound);
        if (f.todo == kAllCpus && en == 0 && (z & ~done) == 0) {
          if (terminal) terminal->push_back(model::hash_state(s));
          if (done != all_cpus) return found(static_cast<int>(i), deadlock_violation(), nullptr);
        }
        if (at_bound) {
          bounded = bounded || en != 0;
          --top;
          continue;
        }
        st.transitions += static_cast<long>(ex.succs.size());
        if (su.need_aux) st.pruned += annotate(su, ex, s, en, f.aux, f.auxo, f.skip, fps);
        if (su.sleep) st.pruned += __builtin_popcount(z & ~done & all_cpus);
        std::swap(f.succs, ex.succs);
        std::swap(f.buf, ex.buf);
        std::swap(f.raised, ex.raised);
        if ((++expansions & 1023) == 0) {
          const long mem = memory();
          if (ctl.poll(mem)) break;
          ProgressInfo pi;
          pi.seconds = ctl.elapsed();
          pi.depth = static_cast<long>(top - 1);
          pi.states = static_cast<long>(store.size());
          pi.queued = static_cast<long>(top);
          pi.transitions = st.transitions;
          pi.memory_bytes = mem;
          ctl.progress().tick(pi);
        }
      }
      if (ctl.stopped()) break;
      if (f.next == f.succs.size()) {
        --top;
        continue;
      }
      const size_t k = f.next++;
      if (su.need_aux && f.skip[k]) continue;
      const Succ x = f.succs[k];
      const PathStep step{x.cpu, x.outcome};
      if (x.raised >= 0) return found(static_cast<int>(i), f.raised[static_cast<size_t>(x.raised)], &step);
      const uint16_t a = su.need_aux ? f.auxo[k] : 0;
      // admit() may grow `frames`: copy the successor out of f first.
      std::vector<uint8_t>& tmp = ex.scratch3;
      std::memcpy(tmp.data(), f.buf.data() + x.off, S);
      if (auto v = admit(tmp.data(), x.fp, a, step)) return found(static_cast<int>(i), *v, &step);
    }
  }
  if (bounded)
    ctl.stop(fmt::format("--max-depth {} reached with states left to explore", su.bounds.max_depth));
  if (!ctl.stopped()) st.complete_depth = st.max_depth;
  finish();
  return std::nullopt;
}

}  // namespace pagecheck::checker
