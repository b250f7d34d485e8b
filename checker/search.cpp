#include "checker/search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace pagecheck::checker {

namespace {
std::atomic<bool> g_interrupt{false};
}  // namespace

void request_interrupt() {
  g_interrupt.store(true, std::memory_order_relaxed);
}
bool interrupt_requested() {
  return g_interrupt.load(std::memory_order_relaxed);
}
void clear_interrupt() {
  g_interrupt.store(false, std::memory_order_relaxed);
}

const char* strategy_name(Strategy s) {
  switch (s) {
    case Strategy::Bfs: return "bfs";
    case Strategy::Dfs: return "dfs";
    case Strategy::Foundation: return "foundation";
  }
  return "?";
}

const char* por_name(Por p) {
  switch (p) {
    case Por::None: return "none";
    case Por::Sleep: return "sleep";
    case Por::Dpor: return "dpor";
  }
  return "?";
}

Setup::Setup(const model::TransitionSystem& ts, const std::vector<model::State>& initial,
             props::PropertySet& props, const SearchOptions& opt, const Bounds& bounds)
    : ts(ts),
      L(ts.layout()),
      S(static_cast<size_t>(ts.layout().size)),
      cpus(ts.nr_cpus()),
      initial(initial),
      props(props),
      opt(opt),
      bounds(bounds),
      footprints(ts, props, initial),
      symmetry(ts),
      sym(opt.symmetry && symmetry.active()),
      sleep(opt.por == Por::Sleep),
      pb(opt.preemption_bound >= 0),
      need_aux(sleep || pb) {}

// ---- Control -----------------------------------------------------------------------------------

Control::Control(const Bounds& b)
    : b_(b), t0_(std::chrono::steady_clock::now()), limit_(b.memory_limit_mb << 20), progress_(b.progress) {}

double Control::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

void Control::stop(std::string why) {
  std::lock_guard<std::mutex> g(mu_);
  if (!stop_.load(std::memory_order_relaxed)) {
    reason_ = std::move(why);
    stop_.store(true, std::memory_order_relaxed);
  }
}

std::string Control::reason() const {
  std::lock_guard<std::mutex> g(mu_);
  return reason_;
}

void Control::note_memory(long bytes) {
  long cur = peak_.load(std::memory_order_relaxed);
  while (bytes > cur && !peak_.compare_exchange_weak(cur, bytes, std::memory_order_relaxed)) {
  }
}

bool Control::poll(long memory_bytes) {
  note_memory(memory_bytes);
  if (b_.time_limit > 0 && elapsed() > b_.time_limit)
    stop(fmt::format("--time-limit {}s reached", b_.time_limit));
  if (interrupt_requested()) stop("interrupted (Ctrl-C)");
  if (memory_over(memory_bytes)) stop(fmt::format("--memory-limit {} MB reached", b_.memory_limit_mb));
  return stopped();
}

// ---- Expander ----------------------------------------------------------------------------------

Expander::Expander(const Setup& su)
    : scratch(su.S), scratch2(su.S), scratch3(su.S), su_(su), log_(su.L, 0), fnlog_(su.L, 0) {}

Mask done_cpus(const model::Layout& L, std::span<const uint8_t> s) {
  Mask m = 0;
  for (int c = 0; c < L.nr_threads; ++c)  // the hugetlb worker too: idle is "done" until woken
    if (s[static_cast<size_t>(L.off_cpus + c * L.cpu_stride + model::cpuoff::depth)] == 0)
      m = static_cast<Mask>(m | 1u << c);
  return m;
}

Mask Expander::expand(std::span<const uint8_t> s, Mask todo, bool generate) {
  succs.clear();
  buf.clear();
  raised.clear();
  Mask enabled = 0;
  const Mask done = done_cpus(su_.L, s);
  for (int cpu = 0; cpu < su_.cpus; ++cpu) {
    if (!(todo & (1u << cpu)) || (done & (1u << cpu))) continue;
    const bool check = su_.opt.check_footprints && generate;
    model::Footprint declared;
    auto what = [&] { return describe_step(su_.ts, s, cpu); };
    if (check) {
      fnlog_.reset();
      fnlog_.set_cpu(cpu);
      declared = su_.footprints.declared(s, cpu, &fnlog_);
      fnlog_.verify_reads_within(declared, what);
      log_.reset();
      log_.set_cpu(cpu);
    }
    int n = su_.ts.enumerate(
        s, cpu, scratch.data(), &su_.props,
        [&](int outcome, const std::vector<int>&, model::StateRef next,
            const std::optional<model::Violation>& r) {
          if (check) {
            log_.verify(declared, s, next.bytes(), what);
            log_.reset();
            ++footprint_checks;
          }
          if (!generate) return;
          Succ x;
          x.cpu = cpu;
          x.outcome = outcome;
          uint8_t* b = next.data();
          if (su_.sym)
            su_.symmetry.canonicalize(b, scratch2.data(), x.perm);
          else
            x.perm = Symmetry::identity();
          x.fp = model::hash_state({b, su_.S});
          x.off = static_cast<uint32_t>(buf.size());
          buf.insert(buf.end(), b, b + su_.S);
          if (r) {
            x.raised = static_cast<int>(raised.size());
            raised.push_back(*r);
          }
          succs.push_back(x);
        },
        check ? &log_ : nullptr);
    if (n > 0) enabled = static_cast<Mask>(enabled | 1u << cpu);
  }
  if (generate && su_.sym && su_.opt.check_footprints && todo == kAllCpus) check_symmetry(s);
  return enabled;
}

// --check-footprints with symmetry: the successors of s with two interchangeable CPUs swapped
// must be the successors of s, up to the same swap. If they are not, some per-CPU object is
// missing from Symmetry::apply() and the reduction is unsound.
void Expander::check_symmetry(std::span<const uint8_t> s) {
  std::vector<uint64_t> mine;
  for (const Succ& x : succs) mine.push_back(x.fp);
  const std::vector<int>* cls = nullptr;
  for (const auto& c : su_.symmetry.classes())
    if (c.size() > 1) cls = &c;
  if (!cls) return;
  Perm swap = Symmetry::identity();
  std::swap(swap[static_cast<size_t>((*cls)[0])], swap[static_cast<size_t>((*cls)[1])]);
  std::vector<uint8_t> swapped(su_.S);
  su_.symmetry.apply(s.data(), swapped.data(), swap);
  std::vector<uint64_t> theirs;
  for (int cpu = 0; cpu < su_.cpus; ++cpu)
    su_.ts.enumerate(
        swapped, cpu, scratch.data(), &su_.props,
        [&](int, const std::vector<int>&, model::StateRef next, const std::optional<model::Violation>&) {
          Perm perm;
          su_.symmetry.canonicalize(next.data(), scratch2.data(), perm);
          theirs.push_back(model::hash_state({next.data(), su_.S}));
        });
  std::sort(mine.begin(), mine.end());
  std::sort(theirs.begin(), theirs.end());
  if (mine != theirs)
    throw ModelError(fmt::format(
        "--check-footprints: CPUs {} and {} run the same program but swapping them changes what the state "
        "can "
        "become: some per-CPU object is missing from checker/symmetry.cpp, and --symmetry is unsound here",
        (*cls)[0], (*cls)[1]));
}

uint64_t Expander::canonical_root(uint8_t* s, Perm& perm) {
  if (su_.sym)
    su_.symmetry.canonicalize(s, scratch2.data(), perm);
  else
    perm = Symmetry::identity();
  return model::hash_state({s, su_.S});
}

void Expander::footprints(std::span<const uint8_t> s, Mask cpus, std::vector<model::Footprint>& out) {
  out.resize(static_cast<size_t>(su_.cpus));
  for (int c = 0; c < su_.cpus; ++c)
    if (cpus & (1u << c)) out[static_cast<size_t>(c)] = su_.footprints.of(s, c);
}

std::optional<model::Violation> check_new_state(const Setup& su, std::span<const uint8_t> s) {
  model::StateRef ref(const_cast<uint8_t*>(s.data()), &su.L);
  if (auto v = su.props.check_state(su.ts, ref)) return v;
  if (su.ts.all_done(ref)) return su.props.check_end(su.ts, ref);
  return std::nullopt;
}

model::Violation deadlock_violation() {
  model::Violation v;
  v.property = "deadlock-free";
  v.message = "no CPU can take a step but not every CPU has finished its operations";
  return v;
}

}  // namespace pagecheck::checker

namespace pagecheck::checker {

long annotate(const Setup& su, Expander& ex, std::span<const uint8_t> s, Mask enabled, uint16_t aux,
              std::vector<uint16_t>& out, std::vector<uint8_t>& skip, std::vector<model::Footprint>& fps) {
  const size_t n = ex.succs.size();
  out.assign(n, 0);
  skip.assign(n, 0);
  long pruned = 0;
  if (su.sleep) {
    const Mask z0 = static_cast<Mask>(aux & 0xFF);
    ex.footprints(s, static_cast<Mask>(enabled | z0), fps);
    Mask zcur = z0, zp = 0;
    int cur = -1;
    for (size_t i = 0; i < n; ++i) {
      const Succ& x = ex.succs[i];
      if (x.cpu != cur) {
        if (cur >= 0) zcur = static_cast<Mask>(zcur | 1u << cur);
        cur = x.cpu;
        zp = 0;
        for (int q = 0; q < su.cpus; ++q)
          if ((zcur & (1u << q)) &&
              !model::conflicts(fps[static_cast<size_t>(x.cpu)], fps[static_cast<size_t>(q)]))
            zp = static_cast<Mask>(zp | 1u << q);
      }
      out[i] = Symmetry::map_mask(zp, x.perm);
    }
  } else if (su.pb) {
    const int k = pb_k(aux);
    const Mask last = pb_last(aux);
    for (size_t i = 0; i < n; ++i) {
      const Succ& x = ex.succs[i];
      // Switching away from a CPU that could have gone on is a preemption.
      const bool free = last == 0 || (last & (1u << x.cpu)) || (last & ~enabled);
      const int k2 = k + (free ? 0 : 1);
      if (k2 > su.opt.preemption_bound) {
        skip[i] = 1;
        ++pruned;
        continue;
      }
      out[i] = pb_aux(k2, static_cast<Mask>(1u << x.perm[static_cast<size_t>(x.cpu)]));
    }
  }
  return pruned;
}

bool pb_dominated(uint16_t stored, uint16_t arrival) {
  const int ks = pb_k(stored), ka = pb_k(arrival);
  const Mask ls = pb_last(stored), la = pb_last(arrival);
  if (ls == 0) return ks <= ka;
  return ks < ka || (ks == ka && (la & ~ls) == 0);
}

uint16_t pb_merge(uint16_t stored, uint16_t arrival) {
  if (pb_dominated(stored, arrival)) return stored;
  if (pb_dominated(arrival, stored)) return arrival;
  return pb_aux(pb_k(stored), static_cast<Mask>(pb_last(stored) | pb_last(arrival)));
}

}  // namespace pagecheck::checker
