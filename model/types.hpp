// Kernel enumerations and small value types shared by the whole model.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pagecheck {

// Thrown for bad input (scenario files, CLI values, trace files): exit code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown when the model reaches a situation it does not cover (an internal limit).
struct ModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace model {

// enum migratetype, include/linux/mmzone.h (v6.10; CONFIG_CMA and CONFIG_MEMORY_ISOLATION on).
enum class Mt : uint8_t {
  UNMOVABLE = 0,
  MOVABLE = 1,
  RECLAIMABLE = 2,
  HIGHATOMIC = 3,  // == MIGRATE_PCPTYPES
  CMA = 4,
  ISOLATE = 5,
};
inline constexpr int MIGRATE_TYPES = 6;
inline constexpr int MIGRATE_PCPTYPES = 3;

// Kernel spelling without the MIGRATE_ prefix, as in "free_list[1][MOVABLE]".
std::string_view mt_name(Mt mt);
std::optional<Mt> parse_mt(std::string_view s);  // accepts "MOVABLE" and "MIGRATE_MOVABLE"

// migratetype_is_mergeable(), mm/internal.h v6.10: only the pcp types merge across blocks.
constexpr bool migratetype_is_mergeable(Mt mt) {
  return static_cast<int>(mt) < MIGRATE_PCPTYPES;
}
constexpr bool is_migrate_isolate(Mt mt) {
  return mt == Mt::ISOLATE;
}
constexpr bool is_migrate_cma(Mt mt) {
  return mt == Mt::CMA;
}

inline constexpr uint8_t NIL = 0xFF;  // "no pfn" / "no list" in the compact state

// Kernel error codes the model returns through its call frames.
inline constexpr int kEBUSY = 16;
inline constexpr int kENOENT = 2;
inline constexpr int kENOMEM = 12;

}  // namespace model
}  // namespace pagecheck
