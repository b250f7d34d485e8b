#include "checker/footprints.hpp"

#include <fmt/format.h>

#include <cstring>

namespace pagecheck::checker {

using model::Footprint;

StepFootprints::StepFootprints(const model::TransitionSystem& ts, const props::PropertySet& props,
                               std::span<const model::State> initial)
    : ts_(ts),
      supports_(props, ts, initial),
      usable_(model::res_count(ts.layout()) <= model::ResourceSet::kMax) {}

namespace {

// A step crosses at most a few frames; a declaration chain longer than this is cut to
// "everything".
constexpr int kMaxHops = 64;

struct Walk {
  const model::TransitionSystem& ts;
  const model::Layout& L;
  int cpu;
  model::AccessLog* log;
  Footprint& fp;
  int hops = 0;
  // One buffer per level of the walk: a branch's state lives while its siblings are walked.
  std::vector<std::vector<uint8_t>>& bufs;

  uint8_t* buffer(int level, const uint8_t* from) {
    if (bufs.size() <= static_cast<size_t>(level)) bufs.resize(static_cast<size_t>(level) + 1);
    auto& b = bufs[static_cast<size_t>(level)];
    b.assign(from, from + L.size);
    return b.data();
  }

  // Adds the declaration of the frame on top of `st`, and of whatever the step runs after it
  // (a callee it calls, its caller when it returns).
  void frame(uint8_t* st, int level, bool continuation, bool must_yield) {
    if (fp.all()) return;
    if (++hops > kMaxHops) {
      fp.set_everything();
      return;
    }
    model::StateRef ref(st, &L);
    ref.set_log(log);
    model::Ctx ctx(ref, ts.kernel(), ts.programs(), cpu);
    const model::ProcDef* d = ts.kernel().procs[static_cast<size_t>(ctx.proc())];
    if (!d || !d->footprint) {
      fp.set_everything();
      return;
    }
    Footprint part(&L);
    part.set_context(continuation, must_yield);
    d->footprint(ctx, part);
    fp |= part;
    if (fp.all()) return;
    const Footprint::Call& call = part.pending_call();
    if (call.proc >= 0) {
      // The callee starts in this step; the caller resumes at the return pc with its locals.
      uint8_t* b = buffer(level + 1, st);
      model::StateRef r(b, &L);
      model::Ctx w(r, ts.kernel(), ts.programs(), cpu);
      w.set_pc(call.return_pc);
      for (int i = 0; i < call.nlocs; ++i)
        w.loc(call.loc_index[static_cast<size_t>(i)]) = call.loc_value[static_cast<size_t>(i)];
      if (!ts.kernel().procs[static_cast<size_t>(call.proc)]) {
        fp.set_everything();
        return;
      }
      w.push_frame(call.proc, call.args.data(), call.nargs);
      frame(b, level + 1, false, false);
    }
    if (part.returns() != Footprint::Return::None && ctx.depth() > 1) {
      // The caller runs on in the same step from the pc it set when it called.
      uint8_t* b = buffer(level + 1, st);
      model::StateRef r(b, &L);
      model::Ctx w(r, ts.kernel(), ts.programs(), cpu);
      w.pop_frame();
      frame(b, level + 1, true, part.returns() == Footprint::Return::AfterRegion);
    }
  }
};

}  // namespace

Footprint StepFootprints::declared(std::span<const uint8_t> s, int cpu, model::AccessLog* log) const {
  const model::Layout& L = ts_.layout();
  Footprint fp(&L);
  if (!usable_) return Footprint::everything();
  if (s[static_cast<size_t>(L.off_cpus + cpu * L.cpu_stride + model::cpuoff::depth)] == 0) return fp;
  thread_local std::vector<std::vector<uint8_t>> bufs;
  Walk w{ts_, L, cpu, log, fp, 0, bufs};
  // The top frame is read in place: its declaration only reads the state.
  w.frame(const_cast<uint8_t*>(s.data()), 0, false, false);
  return fp;
}

Footprint StepFootprints::of(std::span<const uint8_t> s, int cpu, model::AccessLog* log) const {
  Footprint fp = declared(s, cpu, log);
  supports_.extend(ts_.layout(), fp);
  return fp;
}

// ---- FootprintLog ---------------------------------------------------------------------------

FootprintLog::FootprintLog(const model::Layout& L, int cpu) : L_(L), cpu_(cpu) {}

void FootprintLog::on_read(int off, int len) {
  for (int i = 0; i < len; ++i) {
    int r = model::res_of_offset(L_, off + i, cpu_);
    if (r >= 0) read_.set(r);
  }
}

void FootprintLog::on_write(int off, int len) {
  for (int i = 0; i < len; ++i) {
    int r = model::res_of_offset(L_, off + i, cpu_);
    if (r >= 0) write_.set(r);
  }
}

void FootprintLog::on_add(int counter) {
  add_.set(model::res_counter(L_, counter));
}

void FootprintLog::on_cpu_area(int cpu) {
  if (cpu != cpu_) write_.set(model::res_cpu(L_, cpu));
}

void FootprintLog::reset() {
  read_ = write_ = add_ = model::ResourceSet();
}

void FootprintLog::verify(const Footprint& d, std::span<const uint8_t> pre, std::span<const uint8_t> post,
                          const std::function<std::string()>& what) const {
  if (d.all()) return;
  auto fail = [&](const char* how, int r) {
    throw ModelError(
        fmt::format("--check-footprints: {} {} {}, which its declared footprint leaves out (it declares: {})",
                    what(), how, model::res_name(L_, r), d.describe()));
  };
  const model::ResourceSet any = d.reads() | d.writes() | d.adds();
  const int lock0 = model::res_lock(L_, 0);
  write_.for_each([&](int r) {
    if (d.writes().test(r)) return;
    if (r >= lock0 && r < lock0 + L_.nr_locks) {
      // A lock taken and dropped within the step was only read.
      const size_t off = static_cast<size_t>(L_.off_locks + (r - lock0));
      if (pre[off] == post[off] && any.test(r)) return;
    }
    fail("writes", r);
  });
  read_.for_each([&](int r) {
    if (!d.reads().test(r) && !d.writes().test(r)) fail("reads", r);
  });
  add_.for_each([&](int r) {
    if (!d.adds().test(r) && !d.writes().test(r)) fail("adds to", r);
  });
}

void FootprintLog::verify_reads_within(const Footprint& d, const std::function<std::string()>& what) const {
  if (d.all()) return;
  const model::ResourceSet any = d.reads() | d.writes() | d.adds();
  read_.for_each([&](int r) {
    if (!any.test(r))
      throw ModelError(fmt::format(
          "--check-footprints: the footprint function of {} reads {}, which it does not declare: its result "
          "could change under a step it calls independent",
          what(), model::res_name(L_, r)));
  });
}

std::string describe_step(const model::TransitionSystem& ts, std::span<const uint8_t> s, int cpu) {
  const model::Layout& L = ts.layout();
  const uint8_t* a = s.data() + L.off_cpus + cpu * L.cpu_stride;
  if (a[model::cpuoff::depth] == 0) return fmt::format("cpu{} (done)", cpu);
  const uint8_t* frame = a + model::cpuoff::stack + a[model::cpuoff::top];
  const model::ProcDef* d = ts.kernel().procs[frame[0]];
  return fmt::format("cpu{}'s step in {} (pc {})", cpu, d ? d->name : "?", frame[1]);
}

}  // namespace pagecheck::checker
