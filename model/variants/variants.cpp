#include "model/variants/variants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <span>
#include <sstream>

namespace pagecheck::model {

const std::vector<Baseline>& baselines() {
  static const std::vector<Baseline> b = {
      {"v6.5-core",
       "the v6.5 allocator, pcp and isolation code, read from v6.1.8 (MAX_ORDER inclusive as from v6.4), "
       "with the 2014 and 2016 isolation fixes ad53f92eb416 and d9dddbf55667 taken out so that they are "
       "commits of the stack",
       fill_baseline},
  };
  return b;
}

const std::vector<Commit>& commits() {
  static const std::vector<Commit> c = [] {
    std::vector<Commit> v;
    register_isolation_2014(v);
    register_hygiene_series(v);
    register_hygiene_v2(v);
    register_later(v);
    register_examples(v);
    register_hugetlb(v);
    return v;
  }();
  return c;
}

namespace {
// Beyond the buddy core (model/variants/hugetlb.cpp): df48a5f7a3bb (v6.1), 7ffddd499ba6 (v5.11) and
// 32c877191e02 (v6.5) from v6.5 on, d8f5f7e445f0 from v6.6, 52ccdde16b65 from v6.9, and the v6.14
// hugetlb fixes from v6.15.
constexpr std::string_view kV6_5[] = {"ad53f92eb416", "d9dddbf55667", "df48a5f7a3bb", "7ffddd499ba6",
                                      "32c877191e02"};
constexpr std::string_view kV6_6[] = {"ad53f92eb416", "d9dddbf55667", "df48a5f7a3bb", "7ffddd499ba6",
                                      "32c877191e02", "7b086755fb8c", "d8f5f7e445f0"};
// The September 2023 posting (V2, 6 patches) as posted, on v6.6-rc1 plus the pcp bypass fix.
constexpr std::string_view kHygieneV2[] = {"ad53f92eb416", "d9dddbf55667", "df48a5f7a3bb", "7ffddd499ba6",
                                           "32c877191e02", "7b086755fb8c", "d8f5f7e445f0", "V2-1/6",
                                           "V2-2/6",       "V2-3/6",       "V2-4/6",       "V2-5/6",
                                           "V2-6/6"};
// The merged series in mainline order, on v6.6 and the v6.8 highatomic limit.
constexpr std::string_view kV6_10[] = {
    "ad53f92eb416", "d9dddbf55667",          "df48a5f7a3bb", "7ffddd499ba6", "32c877191e02", "7b086755fb8c",
    "d8f5f7e445f0", "highatomic-small-zone", "52ccdde16b65", "17edeb5d3f76", "9cbe97bad5cd", "e6cf9e1c4cde",
    "b54ccd3c6bac", "2dd482ba627d",          "c0cd6f557b90", "55612e80e722", "f37c0f6876a8", "fd919a85cd55",
    "e0932b6c1f94", "e1f42a577f63",          "883dd161e9a8", "7cc5a5d65011"};
constexpr std::string_view kLater6_12[] = {"zone-pcp-drain-latency", "e98337d11bbd", "c928807f6f6b"};
constexpr std::string_view kLater6_15[] = {"remnants-of-unlocked-mt-updates", "c2f6ea38fc1b", "90abee6d7895",
                                           "67bab13307c8", "hugetlb-dissolve-surplus"};
std::vector<std::string_view> stack(std::initializer_list<std::span<const std::string_view>> parts) {
  std::vector<std::string_view> v;
  for (auto p : parts) v.insert(v.end(), p.begin(), p.end());
  return v;
}
constexpr std::string_view kLater6_17[] = {"pb-isolate-bit"};
}  // namespace

const std::vector<VariantDef>& variants() {
  static const std::vector<VariantDef> v = {
      {"v6.5",
       "the kernel before the pcp bypass fix and the freelist hygiene series",
       "v6.5-core",
       {std::begin(kV6_5), std::end(kV6_5)}},
      {"v6.6",
       "v6.5 with the pcp bypass fix 7b086755fb8c",
       "v6.5-core",
       {std::begin(kV6_6), std::end(kV6_6)}},
      {"hygiene-v2",
       "the September 2023 posting of the hygiene series (V2, 6 patches, as posted): list-type checks and "
       "consolidated accounting, but the old isolation code with split_free_page()",
       "v6.5-core",
       {std::begin(kHygieneV2), std::end(kHygieneV2)}},
      {"v6.10",
       "the hygiene series as merged, with fd919a85cd55 (isolation splits under zone->lock)",
       "v6.5-core",
       {std::begin(kV6_10), std::end(kV6_10)}},
      {"v6.12",
       "v6.10 with what changed the modelled functions up to v6.12 (the batched pcp drain, "
       "split_large_buddy() "
       "in free_one_page(), nr_free_highatomic): the kernel whose hugetlb, HVO and memory hotplug code "
       "(v6.12.8) the model reads",
       "v6.5-core", stack({kV6_10, kLater6_12})},
      {"v6.15",
       "v6.12 with what changed the modelled functions up to v6.15: the fallback rework (claim a block or "
       "steal a page), and the v6.14 hugetlb fixes (wait for deferred frees in test_pages_isolated(), "
       "surplus "
       "accounting in dissolve)",
       "v6.5-core", stack({kV6_10, kLater6_12, kLater6_15})},
      {"v6.17", "v6.15 with isolation as a pageblock bit of its own (PB_migrate_isolate)", "v6.5-core",
       stack({kV6_10, kLater6_12, kLater6_15, kLater6_17})},
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
