#include "checker/symmetry.hpp"

#include "model/kernel/kernel.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace pagecheck::checker {

using model::Layout;

namespace {
bool same_program(const model::Program& a, const model::Program& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].proc != b[i].proc || a[i].nargs != b[i].nargs || a[i].args != b[i].args) return false;
  return true;
}
}  // namespace

Symmetry::Symmetry(const model::TransitionSystem& ts) : ts_(ts) {
  // The CPUs only: the hugetlb worker (a thread after them, ts.nr_cpus() counts it) runs no
  // program and is no CPU's twin; its area and number stay as they are.
  const int n = ts.layout().nr_cpus;
  std::vector<bool> taken(static_cast<size_t>(n), false);
  for (int c = 0; c < n; ++c) {
    if (taken[static_cast<size_t>(c)]) continue;
    std::vector<int> cls{c};
    for (int d = c + 1; d < n; ++d)
      if (!taken[static_cast<size_t>(d)] &&
          same_program(ts.programs()[static_cast<size_t>(c)], ts.programs()[static_cast<size_t>(d)])) {
        cls.push_back(d);
        taken[static_cast<size_t>(d)] = true;
      }
    active_ = active_ || cls.size() > 1;
    classes_.push_back(std::move(cls));
  }
  // __drain_all_pages() walks the CPUs in number order (its frame holds the next CPU and a mask
  // of them): renumbering CPUs under it is no symmetry. Every operation that drains refuses it.
  for (const auto& prog : ts.programs())
    for (const auto& op : prog)
      if (op.proc == model::P_drain_all_pages || op.proc == model::P_drain_pages_zone ||
          op.proc == model::P_alloc_contig_range || op.proc == model::P_offline_pages) {
        if (active_)
          refused_ =
              "the scenario drains the pcp lists (drain_all_pages, alloc_contig_range or offline_pages), "
              "which visits the CPUs in number order";
        active_ = false;
      }
}

Perm Symmetry::identity() {
  Perm p{};
  for (int c = 0; c < model::Geometry::kMaxThreads; ++c) p[static_cast<size_t>(c)] = static_cast<int8_t>(c);
  return p;
}

Perm Symmetry::inverse(const Perm& p) {
  Perm q = identity();
  for (int c = 0; c < model::Geometry::kMaxThreads; ++c)
    q[static_cast<size_t>(p[static_cast<size_t>(c)])] = static_cast<int8_t>(c);
  return q;
}

uint8_t Symmetry::map_mask(uint8_t mask, const Perm& p) {
  uint8_t r = 0;
  for (int c = 0; c < model::Geometry::kMaxThreads; ++c)
    if (mask & (1u << c)) r = static_cast<uint8_t>(r | (1u << p[static_cast<size_t>(c)]));
  return r;
}

// What tells CPU c apart from the others of its class, independent of their numbers.
void Symmetry::cpu_key(const uint8_t* s, int cpu, std::vector<uint8_t>& key) const {
  const Layout& L = ts_.layout();
  key.clear();
  const uint8_t* a = s + L.off_cpus + cpu * L.cpu_stride;
  key.insert(key.end(), a, a + L.cpu_stride);
  const uint8_t me = model::owner_of_cpu(cpu);
  for (int p = 0; p < L.nr_pages; ++p) key.push_back(s[L.off_owner + p] == me);
  for (int l = 0; l < L.nr_locks; ++l) {
    // Its own pcp lock is one object; other CPUs' locks are told apart only by being held.
    key.push_back(s[L.off_locks + l] == me);
  }
  key.push_back(s[L.off_locks + model::lock_pcp(cpu)] != 0);
  for (int i = 0; i < L.nr_pcp_lists; ++i) {
    const int list = L.pcp_list(cpu, i);
    int n = 0;
    for (int p = s[L.off_heads + list]; p != model::NIL && n <= L.nr_pages; p = s[L.off_next + p], ++n)
      key.push_back(static_cast<uint8_t>(p));
    key.push_back(model::NIL);
  }
  const int cnt = L.off_counters + 2 * L.counter_pcp_count(cpu);
  key.push_back(s[cnt]);
  key.push_back(s[cnt + 1]);
}

bool Symmetry::canonicalize(uint8_t* s, uint8_t* scratch, Perm& perm) const {
  perm = identity();
  if (!active_) return false;
  bool moved = false;
  thread_local std::vector<std::vector<uint8_t>> keys;
  for (const auto& cls : classes_) {
    if (cls.size() < 2) continue;
    keys.resize(cls.size());
    for (size_t i = 0; i < cls.size(); ++i) cpu_key(s, cls[i], keys[i]);
    std::array<size_t, model::Geometry::kMaxThreads> order;  // no allocation per successor
    for (size_t i = 0; i < cls.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cls.size()),
                     [&](size_t x, size_t y) { return keys[x] < keys[y]; });
    // The CPU with the i-th smallest key takes the class's i-th number.
    for (size_t i = 0; i < cls.size(); ++i) {
      perm[static_cast<size_t>(cls[order[i]])] = static_cast<int8_t>(cls[i]);
      moved = moved || order[i] != i;
    }
  }
  if (!moved) return false;
  apply(s, scratch, perm);
  std::memcpy(s, scratch, static_cast<size_t>(ts_.layout().size));
  return true;
}

void Symmetry::apply(const uint8_t* src, uint8_t* dst, const Perm& perm) const {
  const Layout& L = ts_.layout();
  std::memcpy(dst, src, static_cast<size_t>(L.size));
  auto owner = [&](uint8_t o) -> uint8_t {
    if (o >= 1 && o <= L.nr_cpus) return model::owner_of_cpu(perm[static_cast<size_t>(o - 1)]);
    return o;
  };
  for (int c = 0; c < L.nr_cpus; ++c) {
    const int to = perm[static_cast<size_t>(c)];
    std::memcpy(dst + L.off_cpus + to * L.cpu_stride, src + L.off_cpus + c * L.cpu_stride,
                static_cast<size_t>(L.cpu_stride));
    for (int i = 0; i < L.nr_pcp_lists; ++i)
      dst[L.off_heads + L.pcp_list(to, i)] = src[L.off_heads + L.pcp_list(c, i)];
    std::memcpy(dst + L.off_counters + 2 * L.counter_pcp_count(to),
                src + L.off_counters + 2 * L.counter_pcp_count(c), 2);
    dst[L.off_locks + model::lock_pcp(to)] = owner(src[L.off_locks + model::lock_pcp(c)]);
  }
  // The locks that belong to no CPU (zone->lock, the drain and pcp_batch_high mutexes): their
  // owners are renumbered.
  for (int l = 0; l < L.nr_locks; ++l)
    if (l == model::LOCK_ZONE || l > model::lock_pcp(L.nr_cpus - 1))
      dst[L.off_locks + l] = owner(src[L.off_locks + l]);
  for (int p = 0; p < L.nr_pages; ++p) {
    dst[L.off_owner + p] = owner(src[L.off_owner + p]);
    const uint8_t list = src[L.off_list + p];
    if (list != model::NIL && !L.is_buddy_list(list))
      dst[L.off_list + p] = static_cast<uint8_t>(
          L.pcp_list(perm[static_cast<size_t>(L.pcp_list_cpu(list))], L.pcp_list_pindex(list)));
  }
}

}  // namespace pagecheck::checker
