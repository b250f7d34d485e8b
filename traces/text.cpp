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

// ANSI colours by what a line says; only ever used for a terminal.
std::string paint(const std::string& line) {
  size_t k = line.find_first_not_of(' ');
  std::string_view body = k == std::string::npos ? std::string_view() : std::string_view(line).substr(k);
  const char* code = nullptr;
  if (body.starts_with("WARNING") || body.starts_with("Broken:"))
    code = "1;31";
  else if (body.starts_with("lock ") || body.starts_with("unlock "))
    code = "36";
  else if (body.starts_with("pageblock "))
    code = "33";
  else if (body.starts_with("CPU"))
    code = "1";
  if (!code) {
    // Header labels ("Scenario:", "Violated:") in bold.
    size_t colon = line.find(':');
    if (k == 0 && colon != std::string::npos && colon < 11 && line.find(' ') > colon)
      return fmt::format("\033[1m{}\033[0m{}", line.substr(0, colon + 1), line.substr(colon + 1));
    return line;
  }
  return fmt::format("{}\033[{}m{}\033[0m", line.substr(0, k), code, body);
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
    case DeltaKind::FolioFlags: {
      static const char* names[] = {"hugetlb", "HPG_freed", "HPG_vmemmap_optimized", "HPG_temporary"};
      std::string s;
      for (int bit = 0; bit < 4; ++bit) {
        bool was = d.old_v & (1 << bit), is = d.new_v & (1 << bit);
        if (was != is) s += fmt::format("{}{}{}", s.empty() ? "" : " ", is ? "+" : "-", names[bit]);
      }
      return fmt::format("folio pfn {}: {}", d.a, s);
    }
    case DeltaKind::FolioRef: return fmt::format("folio pfn {}: refcount {}->{}", d.a, d.old_v, d.new_v);
    case DeltaKind::FolioVmemmap:
      if (d.new_v == model::NIL)
        return fmt::format("folio pfn {}: vmemmap page pfn {} given away", d.a, d.old_v);
      return fmt::format("folio pfn {}: vmemmap page {} is pfn {}", d.a, d.b, d.new_v);
    case DeltaKind::WorkPending:
      return d.new_v ? "free_hpage_work: WORK_STRUCT_PENDING set"
                     : "free_hpage_work: WORK_STRUCT_PENDING cleared";
    case DeltaKind::MemoryBlock: {
      static const char* states[] = {"absent", "offline", "online"};
      if (d.b == 0)
        return fmt::format("memory block {}: {} -> {}", d.a, states[d.old_v % 3], states[d.new_v % 3]);
      if (d.b == 1)
        return fmt::format("memory block {}: memmap {}", d.a,
                           d.new_v ? "on its altmap" : "not on its altmap");
      return fmt::format("memory block {}: altmap->alloc {}->{}", d.a, d.old_v, d.new_v);
    }
    case DeltaKind::VmemmapPmd: {
      auto backing = [](int v) {
        if (v == model::PMD_UNMAPPED) return std::string("unmapped");
        if (v == model::PMD_SYSTEM) return std::string("ordinary memory");
        return fmt::format("block {}'s altmap", v);
      };
      if (d.b == 0) return fmt::format("vmemmap PMD {}: {} -> {}", d.a, backing(d.old_v), backing(d.new_v));
      std::string users;
      for (int k = 0; k < 8; ++k)
        if (d.new_v & (1 << k)) users += (users.empty() ? "" : " ") + std::to_string(k);
      return fmt::format("vmemmap PMD {}: struct pages of blocks [{}]", d.a, users);
    }
  }
  return "?";
}

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
  const auto& ev = st.events;
  for (size_t i = 0; i < ev.size(); ++i) {
    const Event& e = ev[i];
    switch (e.kind) {
      case EventKind::Enter:
        // A call that did nothing the trace shows: one line, with its result strace-style.
        if (i + 1 < ev.size() && ev[i + 1].kind == EventKind::Leave && ev[i + 1].depth == e.depth) {
          lines.emplace_back(e.depth, ev[i + 1].detail.empty() ? e.text : e.text + " = " + ev[i + 1].detail);
          ++i;
        } else {
          lines.emplace_back(e.depth, e.text);
        }
        break;
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

std::string format_text(const Trace& t, const TextOptions& opt) {
  std::vector<std::string> out;
  auto para = [&](const std::string& label, const std::string& text) {
    auto w = wrap(text, kWidth - 11, 0);
    for (size_t i = 0; i < w.size(); ++i) out.push_back(fmt::format("{:<11}{}", i == 0 ? label : "", w[i]));
  };
  para("Scenario:", t.scenario.name + (t.scenario.summary.empty() ? "" : " - " + t.scenario.summary));
  std::string stack;
  for (const auto& c : t.stack) stack += (stack.empty() ? "" : " ") + c.id;
  para("Variant:", t.variant + (stack.empty() ? "" : " (commits: " + stack + ")"));
  para("Memory:", t.geo.describe());
  std::string pbs;
  for (size_t i = 0; i < t.initial.memory.pageblocks.size(); ++i)
    pbs += fmt::format("{}{}:{}", i ? " " : "", i, t.initial.memory.pageblocks[i]);
  std::string which =
      t.initial.count > 1 ? fmt::format(" (layout {} of {})", t.initial.index + 1, t.initial.count) : "";
  para("Initially:", "pageblocks " + pbs + which);
  for (const auto& [name, pfns] : t.initial.memory.lists) {
    std::string s;
    for (int p : pfns) s += (s.empty() ? "" : ", ") + std::to_string(p);
    para("", name + ": pfn " + s);
  }
  std::string used;
  for (const auto& r : t.initial.memory.in_use)
    used += (used.empty() ? "" : ", ") + pfn_range(r.pfn, r.nr_pages) + (r.movable ? "" : " (unmovable)");
  para("", "in use: " + (used.empty() ? std::string("none") : used));
  for (const auto& [name, state] : t.initial.memory.objects) para("", name + ": " + state);
  for (size_t c = 0; c < t.programs.size(); ++c) {
    std::string ops;
    for (const auto& o : t.programs[c]) ops += (ops.empty() ? "" : "; ") + o;
    if (static_cast<int>(c) >= t.geo.cpus) ops = "runs free_hpage_work when it is queued";
    para(c == 0 ? "Programs:" : "",
         fmt::format("{}: {}", thread_name(t.geo, static_cast<int>(c)), ops.empty() ? "(nothing)" : ops));
  }

  const size_t n = t.steps.size();
  para("Violated:", fmt::format("{} after {} step{}", t.violation.property, n, n == 1 ? "" : "s"));
  const Minimisation& m = t.minimisation;
  if (t.loop_start >= 0) {
    para("Cycle:",
         fmt::format("steps {}-{} repeat forever (a fair schedule); the {} before them lead into it by "
                     "the shortest way",
                     t.loop_start + 1, n, t.loop_start));
  } else if (m.ran) {
    std::string s = fmt::format("{} step{} (the fewest), {} preemption{}", m.steps, m.steps == 1 ? "" : "s",
                                m.preemptions, m.preemptions == 1 ? "" : "s");
    if (m.note.empty())
      s += fmt::format(" (the fewest of any {}-step trace{})", m.steps,
                       m.bfs_preemptions > m.preemptions
                           ? fmt::format("; the first one found had {}", m.bfs_preemptions)
                           : "");
    else
      s += " (" + m.note + ")";
    para("Minimised:", s);
  } else {
    para("Minimised:", "no (--no-minimise): the explorer's first shortest trace");
  }
  out.emplace_back();

  // The worker's column only when it takes a step.
  int ncpu = t.geo.cpus;
  for (const TraceStep& st : t.steps) ncpu = std::max(ncpu, st.cpu + 1);
  const int gutter = 2;
  const int colw = (kWidth - gutter * (ncpu - 1)) / ncpu;
  auto row = [&](int cpu, const std::string& text) {
    std::string line(static_cast<size_t>(cpu * (colw + gutter)), ' ');
    line += text;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(line);
  };
  {
    std::string head, rule;
    for (int c = 0; c < ncpu; ++c) {
      std::string h = thread_name(t.geo, c);
      head += h + std::string(c + 1 < ncpu ? static_cast<size_t>(colw + gutter) - h.size() : 0, ' ');
      rule += std::string(static_cast<size_t>(colw), '-') + std::string(c + 1 < ncpu ? gutter : 0, ' ');
    }
    while (!head.empty() && head.back() == ' ') head.pop_back();
    while (!rule.empty() && rule.back() == ' ') rule.pop_back();
    out.push_back(head);
    out.push_back(rule);
  }
  model::Layout L(t.geo);
  int last_cpu = -1;
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const TraceStep& st = t.steps[i];
    if (static_cast<int>(i) == t.loop_start) {
      out.emplace_back();
      out.push_back(fmt::format("{:-^80}", " from here the steps repeat forever "));
      last_cpu = -1;
    }
    if (last_cpu >= 0 && st.cpu != last_cpu) out.emplace_back();
    last_cpu = st.cpu;
    for (const auto& [depth, text] : step_lines(L, st))
      for (const auto& w : wrap(text, static_cast<size_t>(colw), static_cast<size_t>(depth))) row(st.cpu, w);
  }
  if (t.loop_start >= 0) out.push_back(fmt::format("{:-^80}", " back to the start of the cycle "));
  out.emplace_back();
  auto block = [&](const std::string& text, size_t indent) {
    for (const auto& w : wrap(text, kWidth, indent)) out.push_back(w);
  };
  const ViolationInfo& v = t.violation;
  block(fmt::format("Broken: {} -- {}", v.property, v.statement), 0);
  block(v.message, 2);
  if (!v.kernel_check.empty()) block("Kernel check: " + v.kernel_check, 2);

  const ScenarioReduction& r = m.scenario;
  if (r.ran) {
    out.emplace_back();
    if (r.reduced) {
      std::string removed;
      for (const auto& x : r.removed) removed += (removed.empty() ? "" : "; ") + x;
      block(fmt::format("Smallest scenario: {} still breaks after dropping {} ({} step{}; {} candidate "
                        "scenarios checked). As a scenario file:",
                        v.property, removed, r.steps, r.steps == 1 ? "" : "s", r.checks),
            0);
      out.emplace_back();
      std::istringstream in(r.toml);
      for (std::string line; std::getline(in, line);) out.push_back("    " + line);
    } else {
      block(fmt::format("Smallest scenario: this one. No CPU, operation, pageblock or free page can be "
                        "dropped with {} still broken ({} candidate scenarios checked{}).",
                        v.property, r.checks, r.note.empty() ? "" : "; " + r.note),
            0);
    }
  }
  std::string s;
  for (auto line : out) {
    while (!line.empty() && line.back() == ' ') line.pop_back();  // format=flowed would join lines
    s += (opt.colour ? paint(line) : line) + "\n";
  }
  return s;
}

}  // namespace pagecheck::traces
