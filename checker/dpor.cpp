// Dynamic partial-order reduction (--por dpor), depth first and stateful.
//
// At each state only the CPUs in its backtrack set are explored. A race, two dependent steps
// of different CPUs with no happens-before between them (vector clocks over the stack), adds
// the later CPU to the backtrack set of the state before the earlier step (Flanagan and
// Godefroid, POPL 2005). Steps are dependent when their declared footprints conflict
// (model/footprint.hpp), widened by what the state properties read (properties/property.hpp).
// States are stored: where a step reaches a state explored before, the races between the
// stack and the steps of that state's explored subtree are found from a summary of their
// footprints stored with the state (Yang, Chen, Gopalakrishnan and Kirby, SPIN 2008), object by
// object. A step that closes a cycle makes every state on the stack explore all its enabled
// CPUs.
#include <fmt/format.h>

#include <array>
#include <cstring>

#include "checker/bfs.hpp"

namespace pagecheck::checker {

namespace {

using Clock = std::array<uint32_t, model::Geometry::kMaxThreads>;

// What the steps of each CPU in an explored subtree may touch.
struct Summary {
  std::array<model::Footprint, model::Geometry::kMaxThreads> fp;
  Mask cpus = 0;
  void add(const model::Footprint& f, int cpu) {
    fp[static_cast<size_t>(cpu)] |= f;
    cpus = static_cast<Mask>(cpus | 1u << cpu);
  }
  void add(const Summary& o) {
    for (int c = 0; c < model::Geometry::kMaxThreads; ++c)
      if (o.cpus & (1u << c)) fp[static_cast<size_t>(c)] |= o.fp[static_cast<size_t>(c)];
    cpus = static_cast<Mask>(cpus | o.cpus);
  }
};

// Summaries by state number, packed per CPU: reads, writes and adds.
class SummaryStore {
 public:
  SummaryStore(const model::Layout& L, int cpus)
      : L_(L), cpus_n_(cpus), words_((model::res_count(L) + 63) / 64) {}
  void put(uint32_t id, const Summary& s) {
    const size_t per = static_cast<size_t>(cpus_n_) * 3 * static_cast<size_t>(words_);
    if (cpus_.size() <= id) {
      const size_t need = (static_cast<size_t>(id) + 1) * per;
      if (need > bits_.capacity()) bits_.reserve(std::max(need, bits_.capacity() + bits_.capacity() / 4));
      bits_.resize(need);
      cpus_.resize(id + 1);
      all_.resize(id + 1);
    }
    uint64_t* w = bits_.data() + static_cast<size_t>(id) * per;
    Mask all = 0;
    for (int c = 0; c < cpus_n_; ++c, w += 3 * words_) {
      const model::Footprint& f = s.fp[static_cast<size_t>(c)];
      for (int i = 0; i < words_; ++i) {
        w[i] = f.reads().word(i);
        w[words_ + i] = f.writes().word(i);
        w[2 * words_ + i] = f.adds().word(i);
      }
      if (f.all()) all = static_cast<Mask>(all | 1u << c);
    }
    cpus_[id] = s.cpus;
    all_[id] = all;
  }
  Summary get(uint32_t id) const {
    Summary s;
    const size_t per = static_cast<size_t>(cpus_n_) * 3 * static_cast<size_t>(words_);
    const uint64_t* w = bits_.data() + static_cast<size_t>(id) * per;
    for (int c = 0; c < cpus_n_; ++c, w += 3 * words_) {
      model::Footprint& f = s.fp[static_cast<size_t>(c)];
      f = model::Footprint(&L_);
      if (all_[id] & (1u << c)) f.set_everything();
      for (int i = 0; i < words_; ++i) {
        f.reads().set_word(i, w[i]);
        f.writes().set_word(i, w[words_ + i]);
        f.adds().set_word(i, w[2 * words_ + i]);
      }
    }
    s.cpus = cpus_[id];
    return s;
  }
  size_t bytes() const { return bits_.capacity() * 8 + cpus_.capacity() + all_.capacity(); }

 private:
  const model::Layout& L_;
  int cpus_n_, words_;
  std::vector<uint64_t> bits_;
  std::vector<Mask> cpus_, all_;
};

struct Frame {
  std::vector<uint8_t> state;
  uint32_t id = 0;
  // enabled: the CPUs that may step. Without a lock held that is every CPU not done, and a CPU
  // found blocked when explored (a wait such as flush_work()) is dropped from it then.
  Mask enabled = 0, backtrack = 0, done = 0, finished = 0;
  bool found_blocked = false;
  std::vector<model::Footprint> nf;  // every CPU's next step here
  int cpu = -1;                      // the CPU being explored from here
  Clock clock{};                     // the vector clock of that step (event number + 1 per CPU)
  std::vector<Succ> succs;
  std::vector<uint8_t> buf;
  std::vector<model::Violation> raised;
  size_t next = 0;
  Summary acc;
};

}  // namespace

std::optional<Found> run_dpor(const Setup& su, Control& ctl, Stats& st, std::vector<uint64_t>* terminal) {
  const size_t S = su.S;
  const int C = su.cpus;
  const Mask all_cpus = static_cast<Mask>((1u << C) - 1);
  StateStore store(S, su.opt.full_states, true);
  SummaryStore summaries(su.L, C);
  std::vector<uint8_t> on_stack;
  Expander ex(su);
  std::vector<Frame> frames;
  size_t top = 0;
  uint32_t next_id = 0;
  long expansions = 0;
  bool bounded = false;

  auto memory = [&] {
    size_t m = store.bytes() + summaries.bytes() + on_stack.capacity();
    for (const Frame& f : frames)
      m += f.state.capacity() + f.buf.capacity() + f.nf.capacity() * sizeof(model::Footprint);
    return static_cast<long>(m);
  };
  auto finish = [&] {
    st.footprint_checks += ex.footprint_checks;
    ex.footprint_checks = 0;
    st.states = static_cast<long>(store.size());
    st.store_bytes = static_cast<long>(store.bytes() + summaries.bytes());
    ctl.note_memory(memory());
  };
  auto path = [&](int initial, model::Violation v, const PathStep* last) {
    Found f;
    f.violation = std::move(v);
    f.initial_index = initial;
    for (size_t i = 0; i + 1 < top; ++i)
      f.path.push_back({frames[i].cpu, frames[i].succs[frames[i].next - 1].outcome});
    if (last) f.path.push_back(*last);
    finish();
    return f;
  };
  // Does event i (the step taken from frame i) happen before CPU q's next step, given the
  // events 0..n-1 of the stack? Each CPU's clock is that of its last event.
  auto hb_to = [&](size_t i, int q, size_t n) {
    const int p = frames[i].cpu;
    if (p == q) return true;
    for (size_t j = n; j-- > i + 1;)
      if (frames[j].cpu == q) return frames[j].clock[static_cast<size_t>(p)] >= i + 1;
    return false;
  };
  // A race between event i and a later step of q with footprint f: q goes into the backtrack
  // set of frame i (or, where q cannot step there, every CPU that can: FG05's rule).
  auto add_backtrack = [&](size_t i, int q, size_t n) {
    Frame& fi = frames[i];
    Mask e = 0;
    if (fi.enabled & (1u << q)) e = static_cast<Mask>(1u << q);
    for (size_t j = i + 1; j < n && !e; ++j)
      if ((fi.enabled & (1u << frames[j].cpu)) && hb_to(j, q, n)) e = static_cast<Mask>(1u << frames[j].cpu);
    fi.backtrack = static_cast<Mask>(fi.backtrack | (e ? e : fi.enabled));
  };
  // Races of q's next step (footprint f) with the stack's events 0..n-1: the last dependent
  // event that does not happen before it (FG05).
  auto races = [&](int q, const model::Footprint& f, size_t n) {
    for (size_t i = n; i-- > 0;) {
      if (frames[i].cpu == q) continue;
      if (!model::conflicts(frames[i].nf[static_cast<size_t>(frames[i].cpu)], f)) continue;
      if (hb_to(i, q, n)) continue;
      add_backtrack(i, q, n);
      return;
    }
  };
  // The same for any step of q in an explored subtree whose steps touch at most `sum`: each
  // such step's last racing event is, for some object it touches, the last event that races
  // with the summary on that object; so the summary is matched object by object.
  const int nres = model::res_count(su.L);
  auto races_summary = [&](int q, model::Footprint sum, size_t n) {
    for (size_t i = n; i-- > 0;) {
      if (frames[i].cpu == q) continue;
      const model::Footprint& fi = frames[i].nf[static_cast<size_t>(frames[i].cpu)];
      if (!model::conflicts(fi, sum) || hb_to(i, q, n)) continue;
      const model::ResourceSet c = model::conflict_set(fi, sum, nres);
      add_backtrack(i, q, n);
      if (sum.all()) return;
      sum.reads() = sum.reads().minus(c);
      sum.writes() = sum.writes().minus(c);
      sum.adds() = sum.adds().minus(c);
      if (!sum.writes_anything() && !sum.reads().any()) return;
    }
  };
  // Which CPUs can step: with no lock held across steps, every CPU that has not finished;
  // otherwise run their steps to see.
  auto enabled_cpus = [&](std::span<const uint8_t> s, Mask done) -> Mask {
    for (int l = 0; l < su.L.nr_locks; ++l)
      if (s[static_cast<size_t>(su.L.off_locks + l)] != 0) return ex.expand(s, kAllCpus, false);
    return static_cast<Mask>(all_cpus & ~done);
  };
  // Pushes a new state: its CPUs' next steps, the races of each with the stack, and a first
  // CPU to explore. Returns a deadlock violation, if it is one.
  auto push = [&](const uint8_t* b, uint32_t id) -> std::optional<model::Violation> {
    if (frames.size() <= top) frames.emplace_back();
    Frame& f = frames[top++];
    f.state.assign(b, b + S);
    f.id = id;
    f.cpu = -1;
    f.next = 0;
    f.succs.clear();
    f.backtrack = f.finished = 0;
    f.found_blocked = false;
    f.acc = Summary{};
    if (on_stack.size() <= id) on_stack.resize(id + 1);
    on_stack[id] = 1;
    st.max_depth = std::max(st.max_depth, static_cast<long>(top - 1));
    const std::span<const uint8_t> s(f.state.data(), S);
    f.done = done_cpus(su.L, s);
    f.enabled = enabled_cpus(s, f.done);
    ex.footprints(s, static_cast<Mask>(all_cpus & ~f.done), f.nf);
    const size_t n = top - 1;
    for (int q = 0; q < C; ++q) {
      if (f.done & (1u << q)) continue;
      f.acc.add(f.nf[static_cast<size_t>(q)], q);
      races(q, f.nf[static_cast<size_t>(q)], n);
    }
    if (f.enabled == 0) {
      if (terminal) terminal->push_back(model::hash_state(s));
      if (f.done != all_cpus) return deadlock_violation();
    }
    if (su.bounds.max_depth >= 0 && static_cast<long>(n) >= su.bounds.max_depth) {
      bounded = bounded || f.enabled != 0;
      f.finished = f.enabled;  // nothing explored past the bound
      return std::nullopt;
    }
    for (int q = 0; q < C; ++q)
      if (f.enabled & (1u << q)) {
        f.backtrack = static_cast<Mask>(1u << q);
        break;
      }
    return std::nullopt;
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
  std::vector<uint8_t> tmp(S);
  for (size_t i = 0; i < su.initial.size() && !ctl.stopped(); ++i) {
    std::memcpy(tmp.data(), su.initial[i].bytes().data(), S);
    Perm perm;
    const uint64_t fp = ex.canonical_root(tmp.data(), perm);
    if (store.find(fp, tmp.data()) >= 0) continue;
    ++st.initial_states;
    top = 0;
    if (!room()) break;
    const uint32_t rid = next_id++;
    store.place(fp, rid, tmp.data());
    if (auto v = check_new_state(su, {tmp.data(), S})) return path(static_cast<int>(i), *v, nullptr);
    if (auto v = push(tmp.data(), rid)) return path(static_cast<int>(i), *v, nullptr);
    while (top > 0) {
      Frame& f = frames[top - 1];
      const size_t n = top - 1;
      if (f.next == f.succs.size()) {
        // Next CPU of the backtrack set, or done with this state.
        const Mask left = static_cast<Mask>(f.backtrack & ~f.finished & f.enabled);
        if (!left) {
          if (f.found_blocked && f.enabled == 0) {  // every CPU not done waits: a deadlock
            if (terminal) terminal->push_back(model::hash_state({f.state.data(), S}));
            if (f.done != all_cpus) return path(static_cast<int>(i), deadlock_violation(), nullptr);
          }
          st.pruned += __builtin_popcount(f.enabled & ~f.finished);
          summaries.put(f.id, f.acc);
          on_stack[f.id] = 0;
          if (top >= 2) frames[top - 2].acc.add(f.acc);
          --top;
          continue;
        }
        const int q = __builtin_ctz(left);
        f.finished = static_cast<Mask>(f.finished | 1u << q);
        f.cpu = q;
        // The vector clock of q's step from here: after every earlier dependent step.
        f.clock.fill(0);
        for (size_t j = 0; j < n; ++j)
          if (frames[j].cpu == q || model::conflicts(frames[j].nf[static_cast<size_t>(frames[j].cpu)],
                                                     f.nf[static_cast<size_t>(q)]))
            for (int c = 0; c < C; ++c)
              f.clock[static_cast<size_t>(c)] =
                  std::max(f.clock[static_cast<size_t>(c)], frames[j].clock[static_cast<size_t>(c)]);
        f.clock[static_cast<size_t>(q)] = static_cast<uint32_t>(n + 1);
        ex.expand({f.state.data(), S}, static_cast<Mask>(1u << q));
        if (ex.succs.empty()) {
          // q waits here without holding a lock: it is not enabled, so by FG05's rule every
          // CPU that may be explores in its place.
          f.found_blocked = true;
          f.enabled = static_cast<Mask>(f.enabled & ~(1u << q));
          f.backtrack = static_cast<Mask>(f.backtrack | f.enabled);
          continue;
        }
        st.transitions += static_cast<long>(ex.succs.size());
        std::swap(f.succs, ex.succs);
        std::swap(f.buf, ex.buf);
        std::swap(f.raised, ex.raised);
        f.next = 0;
        if ((++expansions & 1023) == 0) {
          const long mem = memory();
          if (ctl.poll(mem)) break;
          ProgressInfo pi;
          pi.seconds = ctl.elapsed();
          pi.depth = static_cast<long>(n);
          pi.states = static_cast<long>(store.size());
          pi.queued = static_cast<long>(top);
          pi.transitions = st.transitions;
          pi.memory_bytes = mem;
          ctl.progress().tick(pi);
        }
        continue;
      }
      const Succ x = f.succs[f.next++];
      const PathStep step{x.cpu, x.outcome};
      if (x.raised >= 0) return path(static_cast<int>(i), f.raised[static_cast<size_t>(x.raised)], &step);
      std::memcpy(tmp.data(), f.buf.data() + x.off, S);
      const int64_t slot = store.find(x.fp, tmp.data());
      if (slot >= 0) {
        const uint32_t id = store.id_at(slot);
        if (id < on_stack.size() && on_stack[id]) {
          // A cycle: the states on it must not leave a CPU out, and their summaries cannot say
          // what lies beyond the cycle, so they conflict with everything when met again.
          for (size_t j = 0; j < top; ++j) {
            frames[j].backtrack = frames[j].enabled;
            for (int c = 0; c < C; ++c)
              if (!(frames[j].done & (1u << c))) frames[j].acc.add(model::Footprint::everything(), c);
          }
          continue;
        }
        // The explored subtree's steps against the stack, this step included (event n).
        const Summary sum = summaries.get(id);
        for (int q = 0; q < C; ++q)
          if (sum.cpus & (1u << q)) races_summary(q, sum.fp[static_cast<size_t>(q)], n + 1);
        f.acc.add(sum);
        continue;
      }
      if (!room()) break;
      const uint32_t id = next_id++;
      store.place(x.fp, id, tmp.data());
      if (auto v = check_new_state(su, {tmp.data(), S})) return path(static_cast<int>(i), *v, &step);
      if (su.bounds.max_states >= 0 && static_cast<long>(store.size()) > su.bounds.max_states)
        ctl.stop(fmt::format("--max-states {} reached", su.bounds.max_states));
      if (auto v = push(tmp.data(), id)) return path(static_cast<int>(i), *v, nullptr);
      if (ctl.stopped()) break;
    }
    if (ctl.stopped()) break;
  }
  if (bounded)
    ctl.stop(fmt::format("--max-depth {} reached with states left to explore", su.bounds.max_depth));
  if (!ctl.stopped()) st.complete_depth = st.max_depth;
  finish();
  return std::nullopt;
}

}  // namespace pagecheck::checker
