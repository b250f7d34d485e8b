// The two-column interleaving kernel developers write in their mails.
#include <fmt/format.h>

#include <map>
#include <sstream>

#include "model/ops.hpp"
#include "traces/trace.hpp"

namespace pagecheck::traces {

using model::Delta;
using model::DeltaKind;
using model::Event;
using model::EventKind;

namespace {

constexpr int kWidth = 80;

std::string lock_name(const model::Layout& L, int lock) {
  if (lock == model::LOCK_ZONE) return "zone->lock";
  if (lock >= 1 && lock <= L.nr_cpus) return fmt::format("pcp[cpu{}]->lock", lock - 1);
  if (lock == L.lock_drain_mutex) return "pcpu_drain_mutex";
  if (lock == L.lock_pcp_batch_high) return "pcp_batch_high_lock";
  return fmt::format("lock {}", lock);
}

std::string owner_name(int o) {
  if (o == model::OWNER_NONE) return "nobody";
  if (o == model::OWNER_EXTERNAL) return "its earlier owner";
  if (o == model::OWNER_OFFLINE) return "offline";
  if (o == model::OWNER_OTHER_ZONE) return "another zone";
  return fmt::format("cpu{}", o - 1);
}

std::string pfn_range(int first, int n) {
  return n == 1 ? fmt::format("pfn {}", first) : fmt::format("pfns {}-{}", first, first + n - 1);
}

// Breaks `text` into lines of at most `width`, continuation lines indented by `indent` + 2.
std::vector<std::string> wrap(const std::string& text, size_t width, size_t indent) {
  std::vector<std::string> out;
  std::string line(indent, ' ');
  std::string cont(indent + 2, ' ');
  std::istringstream in(text);
  std::string word;
  bool empty = true;
  while (in >> word) {
    size_t need = (empty ? 0 : 1) + word.size();
    if (!empty && line.size() + need > width) {
      out.push_back(line);
      line = cont;
      empty = true;
    }
    while (empty && line.size() + word.size() > width && word.size() > 1) {
      size_t room = width > line.size() ? width - line.size() : 1;
      out.push_back(line + word.substr(0, room));
      word = word.substr(room);
      line = cont;
    }
    line += (empty ? "" : " ") + word;
    empty = false;
  }
  if (!empty) out.push_back(line);
  return out;
}

}  // namespace

std::string format_delta(const model::Layout& L, const Delta& d) {
  switch (d.kind) {
    case DeltaKind::SetPageBuddy: return fmt::format("set_buddy_order(pfn {}, {})", d.a, d.b);
    case DeltaKind::ClearPageBuddy: return fmt::format("__ClearPageBuddy(pfn {})", d.a);
    case DeltaKind::ListAdd:
      return fmt::format("{} += pfn {}{}", model::list_name(L, d.a), d.b, d.c ? " (tail)" : "");
    case DeltaKind::ListDel: return fmt::format("{} -= pfn {}", model::list_name(L, d.a), d.b);
    case DeltaKind::PageblockBits: {
      auto show = [](int bits) {
        std::string s(model::mt_name(static_cast<model::Mt>(bits & model::PB_MIGRATETYPE_MASK)));
        if (bits & model::PB_migrate_isolate) s += "+isolate";
        return s;
      };
      return fmt::format("pageblock {}: {} -> {}", d.a, show(d.old_v), show(d.new_v));
    }
    case DeltaKind::Counter: return fmt::format("{} {}->{}", model::counter_name(L, d.a), d.old_v, d.new_v);
    case DeltaKind::Owner:
      if (d.new_v == model::OWNER_NONE)
        return fmt::format("{} leave {}", pfn_range(d.a, d.b), owner_name(d.old_v));
      return fmt::format("{} now held by {}", pfn_range(d.a, d.b), owner_name(d.new_v));
    case DeltaKind::PageFlags: return fmt::format("pfn {} flags {:#x} -> {:#x}", d.a, d.old_v, d.new_v);
    case DeltaKind::PcpMigratetype:
      return fmt::format("set_pcppage_migratetype(pfn {}, {})", d.a,
                         model::mt_name(static_cast<model::Mt>(d.new_v)));
    case DeltaKind::ZoneByte:
      return fmt::format("pcp->{} {}->{} (every CPU)", d.a == model::ZB_PCP_HIGH ? "high" : "batch", d.old_v,
                         d.new_v);
    case DeltaKind::LockAcquire: return "lock " + lock_name(L, d.a);
    case DeltaKind::LockRelease: return "unlock " + lock_name(L, d.a);
  }
  return "?";
}

namespace {

// The lines of one step, before placing them in a column.
std::vector<std::pair<int, std::string>> step_lines(const model::Layout& L, const TraceStep& st) {
  std::vector<std::pair<int, std::string>> lines;
  bool resumed =
      st.events.empty() || st.events.front().kind != EventKind::Enter || st.events.front().depth != 0;
  if (resumed && !st.call_path.empty())
    lines.emplace_back(static_cast<int>(st.call_path.size()) - 1, st.call_path.back() + "() continues:");
  std::map<int, std::pair<int, int>> counters;  // counter -> (first old, last new)
  std::vector<int> counter_order;
  auto flush_counters = [&](int depth) {
    if (counters.empty()) return;
    std::string s;
    for (int idx : counter_order) {
      auto [o, n] = counters[idx];
      if (o == n) continue;
      s += (s.empty() ? "" : ", ") + fmt::format("{} {}->{}", model::counter_name(L, idx), o, n);
    }
    if (!s.empty()) lines.emplace_back(depth, s);
    counters.clear();
    counter_order.clear();
  };
  for (const Event& e : st.events) {
    switch (e.kind) {
      case EventKind::Enter: lines.emplace_back(e.depth, e.text); break;
      case EventKind::Leave:
        if (!e.detail.empty()) lines.emplace_back(e.depth + 1, "returns " + e.detail);
        break;
      case EventKind::Note: lines.emplace_back(e.depth, e.text); break;
      case EventKind::Choice: lines.emplace_back(e.depth, "choice: " + e.text); break;
      case EventKind::Delta: {
        const Delta& d = e.delta;
        switch (d.kind) {
          case DeltaKind::SetPageBuddy:
          case DeltaKind::ClearPageBuddy:
          case DeltaKind::PageFlags: break;  // implied by the list changes; kept in JSON
          case DeltaKind::Counter:
            if (!counters.count(d.a)) {
              counters[d.a] = {d.old_v, d.new_v};
              counter_order.push_back(d.a);
            } else {
              counters[d.a].second = d.new_v;
            }
            break;
          case DeltaKind::LockRelease:
            flush_counters(e.depth);
            lines.emplace_back(e.depth, format_delta(L, d));
            break;
          default: lines.emplace_back(e.depth, format_delta(L, d));
        }
        break;
      }
    }
  }
  flush_counters(0);
  return lines;
}

}  // namespace

std::string format_text(const Trace& t) {
  model::Layout L(t.geo);
  std::string out;
  auto para = [&](const std::string& label, const std::string& text) {
    auto w = wrap(text, kWidth - 11, 0);
    for (size_t i = 0; i < w.size(); ++i) out += fmt::format("{:<11}{}\n", i == 0 ? label : "", w[i]);
  };
  para("Scenario:", t.scenario + (t.summary.empty() ? "" : " - " + t.summary));
  std::string stack;
  for (const auto& c : t.stack) stack += (stack.empty() ? "" : " ") + c.id;
  para("Variant:", t.variant + (stack.empty() ? "" : " (commits: " + stack + ")"));
  para("Memory:", t.geo.describe());
  std::string pbs;
  for (size_t i = 0; i < t.initial.pageblock_mt.size(); ++i)
    pbs += fmt::format("{}{}:{}", i ? " " : "", i, t.initial.pageblock_mt[i]);
  para("Initially:", "pageblocks " + pbs);
  for (const auto& [name, pfns] : t.initial.free_lists) {
    std::string s;
    for (int p : pfns) s += (s.empty() ? "" : ", ") + std::to_string(p);
    para("", name + ": pfn " + s);
  }
  std::string used;
  for (auto [first, n] : t.initial.allocated) used += (used.empty() ? "" : ", ") + pfn_range(first, n);
  para("", "in use: " + (used.empty() ? std::string("none") : used));
  for (size_t c = 0; c < t.programs.size(); ++c) {
    std::string ops;
    for (const auto& o : t.programs[c]) ops += (ops.empty() ? "" : "; ") + o;
    para(c == 0 ? "Programs:" : "", fmt::format("CPU{}: {}", c, ops.empty() ? "(nothing)" : ops));
  }
  para("Violated:", fmt::format("{} after {} step{}", t.violation.property, t.steps.size(),
                                t.steps.size() == 1 ? "" : "s"));
  out += "\n";

  const int ncpu = t.geo.cpus;
  const int gutter = 2;
  const int colw = (kWidth - gutter * (ncpu - 1)) / ncpu;
  auto row = [&](int cpu, const std::string& text) {
    std::string line(static_cast<size_t>(cpu * (colw + gutter)), ' ');
    line += text;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  {
    std::string head, rule;
    for (int c = 0; c < ncpu; ++c) {
      std::string h = fmt::format("CPU{}", c);
      head += h + std::string(c + 1 < ncpu ? static_cast<size_t>(colw + gutter) - h.size() : 0, ' ');
      rule += std::string(static_cast<size_t>(colw), '-') + std::string(c + 1 < ncpu ? gutter : 0, ' ');
    }
    while (!head.empty() && head.back() == ' ') head.pop_back();
    out += head + "\n" + rule + "\n";
  }
  int last_cpu = -1;
  for (const TraceStep& st : t.steps) {
    if (last_cpu >= 0 && st.cpu != last_cpu) out += "\n";
    last_cpu = st.cpu;
    for (const auto& [depth, text] : step_lines(L, st))
      for (const auto& w : wrap(text, static_cast<size_t>(colw), static_cast<size_t>(depth))) row(st.cpu, w);
  }
  out += "\n";
  auto block = [&](const std::string& text, size_t indent) {
    for (const auto& w : wrap(text, kWidth, indent)) out += w + "\n";
  };
  block(fmt::format("Broken: {} -- {}", t.violation.property, t.property_statement), 0);
  block(t.violation.message, 2);
  if (!t.kernel_check.empty()) block("Kernel check: " + t.kernel_check, 2);
  return out;
}

}  // namespace pagecheck::traces
