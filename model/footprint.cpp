#include "model/footprint.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pagecheck::model {

std::string res_name(const Layout& L, int r) {
  if (r < res_link(L, 0)) return fmt::format("page {}", r);
  if (r < res_pageblock(L, 0)) return fmt::format("the next link of page {}", r - res_link(L, 0));
  if (r < res_list(L, 0)) return fmt::format("pageblock {}", r - res_pageblock(L, 0));
  if (r < res_counter(L, 0)) return list_name(L, r - res_list(L, 0));
  if (r < res_lock(L, 0)) return counter_name(L, r - res_counter(L, 0));
  if (r < res_zone_byte(L, ZB_PCP_HIGH)) {
    int l = r - res_lock(L, 0);
    if (l == LOCK_ZONE) return "zone->lock";
    if (l == L.lock_drain_mutex) return "pcpu_drain_mutex";
    if (l == L.lock_pcp_batch_high) return "pcp_batch_high_lock";
    if (l == L.lock_hugetlb) return "hugetlb_lock";
    return fmt::format("pcp[cpu{}]->lock", l - 1);
  }
  if (r < res_cpu(L, 0)) return r == res_zone_byte(L, ZB_PCP_HIGH) ? "pcp->high" : "pcp->batch";
  if (r < res_other(L)) {
    const int t = r - res_cpu(L, 0);
    return t < L.nr_cpus ? fmt::format("cpu{}'s call stack", t)
                         : std::string("the hugetlb worker's call stack");
  }
  return "state bytes outside the named objects";
}

int res_of_offset(const Layout& L, int off, int self) {
  auto in = [&](int base, int n) { return off >= base && off < base + n; };
  if (in(L.off_flags, L.nr_pages)) return res_page(L, off - L.off_flags);
  if (in(L.off_private, L.nr_pages)) return res_page(L, off - L.off_private);
  if (in(L.off_list, L.nr_pages)) return res_page(L, off - L.off_list);
  if (in(L.off_next, L.nr_pages)) return res_link(L, off - L.off_next);
  if (in(L.off_owner, L.nr_pages)) return res_page(L, off - L.off_owner);
  if (in(L.off_pcpmt, L.nr_pages)) return res_page(L, off - L.off_pcpmt);
  if (in(L.off_pb, L.nr_pb)) return res_pageblock(L, off - L.off_pb);
  if (in(L.off_heads, L.nr_lists)) return res_list(L, off - L.off_heads);
  if (in(L.off_counters, 2 * L.nr_counters)) return res_counter(L, (off - L.off_counters) / 2);
  if (in(L.off_locks, L.nr_locks)) return res_lock(L, off - L.off_locks);
  if (in(L.off_zone, ZB_COUNT)) return res_zone_byte(L, static_cast<ZoneByte>(off - L.off_zone));
  if (in(L.off_cpus, L.nr_threads * L.cpu_stride)) {
    int c = (off - L.off_cpus) / L.cpu_stride;
    return c == self ? -1 : res_cpu(L, c);
  }
  return res_other(L);
}

void ResourceSet::set_all(int n) {
  for (int r = 0; r < n && r < kMax; ++r) set(r);
}

bool ResourceSet::any() const {
  for (uint64_t w : w_)
    if (w) return true;
  return false;
}

ResourceSet& ResourceSet::operator|=(const ResourceSet& o) {
  for (int i = 0; i < kWords; ++i) w_[static_cast<size_t>(i)] |= o.w_[static_cast<size_t>(i)];
  return *this;
}

ResourceSet ResourceSet::minus(const ResourceSet& o) const {
  ResourceSet r;
  for (int i = 0; i < kWords; ++i)
    r.w_[static_cast<size_t>(i)] = w_[static_cast<size_t>(i)] & ~o.w_[static_cast<size_t>(i)];
  return r;
}

void Footprint::read_pages(int lo, int hi) {
  for (int p = std::max(lo, 0); p < std::min(hi, L_->nr_pages); ++p) read_page(p);
}

void Footprint::write_pages(int lo, int hi) {
  for (int p = std::max(lo, 0); p < std::min(hi, L_->nr_pages); ++p) {
    write_page(p);
    write_link(p);
  }
}

void Footprint::read_chain(StateRef s, int list) {
  read_list(list);
  for (int p = s.head(list), n = 0; p != NIL && n <= L_->nr_pages; p = s.next(p), ++n) read_link(p);
}

ResourceSet ResourceSet::operator&(const ResourceSet& o) const {
  ResourceSet r;
  for (int i = 0; i < kWords; ++i)
    r.w_[static_cast<size_t>(i)] = w_[static_cast<size_t>(i)] & o.w_[static_cast<size_t>(i)];
  return r;
}

ResourceSet conflict_set(const Footprint& a, const Footprint& b, int nres) {
  ResourceSet r;
  if (a.all() || b.all()) {
    r.set_all(nres);
    return r;
  }
  const int n = a.words() > b.words() ? a.words() : b.words();
  for (int i = 0; i < n; ++i) {
    const uint64_t ar = a.reads().word(i), aw = a.writes().word(i), aa = a.adds().word(i);
    const uint64_t br = b.reads().word(i), bw = b.writes().word(i), ba = b.adds().word(i);
    r.set_word(i, (aw & (br | bw | ba)) | (bw & (ar | aa)) | (aa & br) | (ba & ar));
  }
  return r;
}

Footprint& Footprint::operator|=(const Footprint& o) {
  if (!L_) {
    L_ = o.L_;
    words_ = o.words_;
  }
  all_ = all_ || o.all_;
  read_ |= o.read_;
  write_ |= o.write_;
  add_ |= o.add_;
  return *this;
}

void Footprint::call(int proc, std::initializer_list<int> args, int return_pc) {
  if (call_.proc >= 0 || args.size() > call_.args.size()) {
    all_ = true;  // two calls in one declaration: not followed
    return;
  }
  call_.proc = proc;
  call_.return_pc = return_pc;
  call_.nargs = 0;
  for (int v : args) call_.args[static_cast<size_t>(call_.nargs++)] = static_cast<uint8_t>(v);
}

void Footprint::set_caller_loc(int i, int v) {
  if (call_.nlocs >= static_cast<int>(call_.loc_index.size())) {
    all_ = true;
    return;
  }
  call_.loc_index[static_cast<size_t>(call_.nlocs)] = static_cast<uint8_t>(i);
  call_.loc_value[static_cast<size_t>(call_.nlocs++)] = static_cast<uint8_t>(v);
}

std::string Footprint::describe() const {
  if (all_) return "everything";
  std::string s;
  auto list = [&](const char* what, const ResourceSet& set) {
    std::string items;
    set.for_each([&](int r) { items += (items.empty() ? "" : ", ") + res_name(*L_, r); });
    if (!items.empty()) s += (s.empty() ? "" : "; ") + std::string(what) + " " + items;
  };
  list("reads", read_);
  list("writes", write_);
  list("adds to", add_);
  return s.empty() ? "nothing" : s;
}

}  // namespace pagecheck::model

namespace pagecheck::model {

void log_state_read(AccessLog* log, int off, int len) {
  log->on_read(off, len);
}
void log_state_write(AccessLog* log, int off, int len) {
  log->on_write(off, len);
}
void log_cpu_area(AccessLog* log, int cpu) {
  log->on_cpu_area(cpu);
}

}  // namespace pagecheck::model
