#include "model/types.hpp"

#include <array>

namespace pagecheck::model {

namespace {
constexpr std::array<std::string_view, MIGRATE_TYPES> kMtNames = {"UNMOVABLE",  "MOVABLE", "RECLAIMABLE",
                                                                  "HIGHATOMIC", "CMA",     "ISOLATE"};
}

std::string_view mt_name(Mt mt) {
  auto i = static_cast<size_t>(mt);
  return i < kMtNames.size() ? kMtNames[i] : std::string_view("?");
}

std::optional<Mt> parse_mt(std::string_view s) {
  if (s.substr(0, 8) == "MIGRATE_") s.remove_prefix(8);
  for (size_t i = 0; i < kMtNames.size(); ++i)
    if (kMtNames[i] == s) return static_cast<Mt>(i);
  return std::nullopt;
}

}  // namespace pagecheck::model
