// Variants: a kernel is a baseline plus an ordered stack of modelled commits. A variant spec is
// a variant name followed by "-COMMIT" (revert) and "+COMMIT" (apply) tokens.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/kernel/kernel.hpp"

namespace pagecheck::model {

struct Commit {
  std::string_view id;       // abbreviated mainline hash, or a name for a posted patch
  std::string_view title;    // the commit's subject line
  std::string_view release;  // first release that has it ("v6.10"), or "posted 2023-09-11"
  std::string_view change;   // what it changes in the model, one line
  std::vector<std::string_view> requires_commits;  // commits it was written on top of
  void (*apply)(Kernel&);
};

struct VariantDef {
  std::string_view name;
  std::string_view description;
  std::string_view baseline;              // a baseline name (see baselines())
  std::vector<std::string_view> commits;  // applied in this order
};

struct Baseline {
  std::string_view name;
  std::string_view description;
  void (*fill)(Kernel&);
};

const std::vector<Commit>& commits();
const std::vector<VariantDef>& variants();
const std::vector<Baseline>& baselines();
const Commit* find_commit(std::string_view id);  // also by a unique prefix of at least 7 characters
const VariantDef* find_variant(std::string_view name);

struct ResolvedVariant {
  std::string spec;  // canonical spec: "v6.10" or "v6.10 -fd919a85cd55"
  const VariantDef* def = nullptr;
  const Baseline* baseline = nullptr;
  std::vector<const Commit*> stack;
  Kernel kernel;
};

// Resolves a spec plus extra --apply/--revert tokens; throws InputError naming what is wrong.
ResolvedVariant resolve_variant(std::string_view spec, const std::vector<std::string>& apply = {},
                                const std::vector<std::string>& revert = {});

// Registration, one line per file in variants.cpp.
void register_isolation_2014(std::vector<Commit>& v);
void register_hygiene_series(std::vector<Commit>& v);
void register_hygiene_v2(std::vector<Commit>& v);
void register_later(std::vector<Commit>& v);
void register_examples(std::vector<Commit>& v);
void register_hugetlb(std::vector<Commit>& v);

}  // namespace pagecheck::model
