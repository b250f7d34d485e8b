#include "model/variants/variants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace pagecheck::model {

const std::vector<Baseline>& baselines() {
  static const std::vector<Baseline> b = {
      {"pre-hygiene",
       "the allocator and isolation code before the v6.10 hygiene series, read from v6.1.8 "
       "(MAX_ORDER inclusive as from v6.4)",
       fill_baseline_v6_6},
  };
  return b;
}

const std::vector<Commit>& commits() {
  static const std::vector<Commit> c = [] {
    std::vector<Commit> v;
    register_hygiene_series(v);
    return v;
  }();
  return c;
}

namespace {
// The September 2023 posting (V2, 6 patches) by the mainline commits its patches became: 1/6
// 17edeb5d3f76, 2/6 e6cf9e1c4cde, 4/6 2dd482ba627d, 5/6 c0cd6f557b90, 6/6 e0932b6c1f94. It had
// neither 55612e80e722, f37c0f6876a8 nor fd919a85cd55 (added in V3/V4).
constexpr std::string_view kHygieneV2[] = {"17edeb5d3f76", "e6cf9e1c4cde", "2dd482ba627d", "c0cd6f557b90",
                                           "e0932b6c1f94"};
}  // namespace

const std::vector<VariantDef>& variants() {
  static const std::vector<VariantDef> v = {
      {"v6.6", "the kernel before the freelist hygiene series", "pre-hygiene", {}},
      {"hygiene-v2",
       "the September 2023 posting of the hygiene series (V2), by the mainline commits its patches "
       "became: list-type checks and consolidated accounting, but the old isolation code with "
       "split_free_page()",
       "pre-hygiene",
       {std::begin(kHygieneV2), std::end(kHygieneV2)}},
      {"v6.10",
       "the hygiene series as merged, with fd919a85cd55 (isolation splits under zone->lock)",
       "pre-hygiene",
       {"17edeb5d3f76", "e6cf9e1c4cde", "2dd482ba627d", "c0cd6f557b90", "55612e80e722", "f37c0f6876a8",
        "fd919a85cd55", "e0932b6c1f94"}},
  };
  return v;
}

const Commit* find_commit(std::string_view id) {
  const Commit* hit = nullptr;
  for (const auto& c : commits()) {
    if (c.id == id) return &c;
    if (id.size() >= 7 && c.id.substr(0, id.size()) == id) {
      if (hit) return nullptr;  // ambiguous
      hit = &c;
    }
  }
  return hit;
}

const VariantDef* find_variant(std::string_view name) {
  for (const auto& v : variants())
    if (v.name == name) return &v;
  return nullptr;
}

namespace {
std::string known_variants() {
  std::string s;
  for (const auto& v : variants()) s += (s.empty() ? "" : ", ") + std::string(v.name);
  return s;
}
const Commit& commit_or_throw(std::string_view id) {
  const Commit* c = find_commit(id);
  if (!c) {
    std::string s;
    for (const auto& k : commits()) s += (s.empty() ? "" : ", ") + std::string(k.id);
    throw InputError(fmt::format("unknown commit '{}'; modelled commits: {}", id, s));
  }
  return *c;
}
}  // namespace

ResolvedVariant resolve_variant(std::string_view spec, const std::vector<std::string>& apply,
                                const std::vector<std::string>& revert) {
  std::istringstream in{std::string(spec)};
  std::string name;
  if (!(in >> name)) throw InputError("empty variant spec; expected a variant name such as v6.10");
  ResolvedVariant r;
  r.def = find_variant(name);
  if (!r.def)
    throw InputError(fmt::format("unknown variant '{}'; expected one of: {}", name, known_variants()));
  for (const auto& b : baselines())
    if (b.name == r.def->baseline) r.baseline = &b;
  for (auto id : r.def->commits) r.stack.push_back(&commit_or_throw(id));

  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  for (const auto& a : revert) tokens.push_back("-" + a);
  for (const auto& a : apply) tokens.push_back("+" + a);
  for (const auto& t : tokens) {
    if (t.size() < 2 || (t[0] != '+' && t[0] != '-'))
      throw InputError(fmt::format("variant spec '{}': token '{}' must be +COMMIT or -COMMIT", spec, t));
    const Commit& c = commit_or_throw(std::string_view(t).substr(1));
    auto it = std::find(r.stack.begin(), r.stack.end(), &c);
    if (t[0] == '-') {
      if (it == r.stack.end())
        throw InputError(fmt::format("cannot revert {}: it is not in {}'s stack", c.id, name));
      r.stack.erase(it);
    } else {
      if (it != r.stack.end())
        throw InputError(fmt::format("cannot apply {}: {} already has it", c.id, name));
      r.stack.push_back(&c);
    }
  }
  for (size_t i = 0; i < r.stack.size(); ++i)
    for (auto dep : r.stack[i]->requires_commits) {
      bool ok = false;
      for (size_t j = 0; j < i; ++j) ok = ok || r.stack[j]->id == dep;
      if (!ok)
        throw InputError(fmt::format("{} ({}) is written on top of {}, which this stack lacks before it",
                                     r.stack[i]->id, r.stack[i]->title, dep));
    }
  r.baseline->fill(r.kernel);
  r.spec = name;
  for (const Commit* c : r.stack) c->apply(r.kernel);
  // The canonical spec: the variant name plus the differences from its stack.
  std::vector<const Commit*> base;
  for (auto id : r.def->commits) base.push_back(find_commit(id));
  for (const Commit* c : base)
    if (std::find(r.stack.begin(), r.stack.end(), c) == r.stack.end()) r.spec += fmt::format(" -{}", c->id);
  for (const Commit* c : r.stack)
    if (std::find(base.begin(), base.end(), c) == base.end()) r.spec += fmt::format(" +{}", c->id);
  return r;
}

}  // namespace pagecheck::model
