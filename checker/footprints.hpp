// Step footprints for the reductions: the declared footprint of a CPU's next step, composed
// through returns into callers and widened by what the state properties read, and the
// --check-footprints verification of what a step really touched.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "model/footprint.hpp"
#include "model/system.hpp"
#include "properties/property.hpp"

namespace pagecheck::checker {

class StepFootprints {
 public:
  StepFootprints(const model::TransitionSystem& ts, const props::PropertySet& props,
                 std::span<const model::State> initial);
  // False when the layout has more objects than a ResourceSet holds: every step is then
  // dependent with every other and the reductions do nothing.
  bool usable() const { return usable_; }
  // The declared footprint of cpu's next step at s (empty when the CPU is done), widened by
  // the properties' supports: the declarations of the frames the step runs in, followed through
  // calls and returns. `log` (optional) records what the footprint functions read.
  model::Footprint of(std::span<const uint8_t> s, int cpu, model::AccessLog* log = nullptr) const;
  // The same, without the properties' widening.
  model::Footprint declared(std::span<const uint8_t> s, int cpu, model::AccessLog* log = nullptr) const;

 private:
  const model::TransitionSystem& ts_;
  props::Supports supports_;
  bool usable_;
};

// Records one step's accesses as resources (--check-footprints).
class FootprintLog : public model::AccessLog {
 public:
  FootprintLog(const model::Layout& L, int cpu);
  void on_read(int off, int len) override;
  void on_write(int off, int len) override;
  void on_add(int counter) override;
  void on_cpu_area(int cpu) override;
  void reset();
  void set_cpu(int cpu) { cpu_ = cpu; }
  // Throws ModelError naming the first access outside `declared`. pre/post: the state before
  // and after the step (a lock left as it was found was only read).
  void verify(const model::Footprint& declared, std::span<const uint8_t> pre, std::span<const uint8_t> post,
              const std::function<std::string()>& what) const;
  // The footprint functions themselves may only read what they declare.
  void verify_reads_within(const model::Footprint& declared, const std::function<std::string()>& what) const;

 private:
  const model::Layout& L_;
  int cpu_;
  model::ResourceSet read_, write_, add_;
};

// "cpu1's step in start_isolate_page_range (pc 4)"
std::string describe_step(const model::TransitionSystem& ts, std::span<const uint8_t> s, int cpu);

}  // namespace pagecheck::checker
