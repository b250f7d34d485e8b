#include "checker/footprints.hpp"

#include <fmt/format.h>

#include <cstring>

namespace pagecheck::checker {

using model::Footprint;

StepFootprints::StepFootprints(const model::TransitionSystem& ts, const props::PropertySet& props)
    : ts_(ts), props_(props), usable_(model::res_count(ts.layout()) <= model::ResourceSet::kMax) {}

Footprint StepFootprints::declared(std::span<const uint8_t> s, int cpu, uint8_t* scratch,
                                   model::AccessLog* log) const {
  const model::Layout& L = ts_.layout();
  Footprint fp(&L);
  if (!usable_) return Footprint::everything();
  if (s[static_cast<size_t>(L.off_cpus + cpu * L.cpu_stride + model::cpuoff::depth)] == 0) return fp;
  model::StateRef ref(const_cast<uint8_t*>(s.data()), &L);
  bool copied = false;
  while (true) {
    ref.set_log(log);
    model::Ctx ctx(ref, ts_.kernel(), ts_.programs(), cpu);
    const model::ProcDef* d = ts_.kernel().procs[static_cast<size_t>(ctx.proc())];
    if (!d || !d->footprint) return Footprint::everything();
    Footprint part(&L);
    d->footprint(ctx, part);
    const bool returns = part.returns();
    part.clear_returns();
    fp |= part;
    if (fp.all() || !returns || ctx.depth() <= 1) return fp;
    // The frame may return before any region: the caller runs on in the same step, from the
    // pc it set when it called. Pop the frame on a copy and add the caller's footprint.
    if (!copied) {
      std::memcpy(scratch, s.data(), s.size());
      ref = model::StateRef(scratch, &L);
      copied = true;
    }
    ref.set_log(nullptr);
    model::Ctx pop(ref, ts_.kernel(), ts_.programs(), cpu);
    pop.pop_frame();
  }
}

Footprint StepFootprints::of(std::span<const uint8_t> s, int cpu, uint8_t* scratch,
                             model::AccessLog* log) const {
  Footprint fp = declared(s, cpu, scratch, log);
  props_.extend(ts_.layout(), fp);
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
