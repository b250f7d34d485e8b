// Each properties/*.cpp file registers its properties here.
#pragma once

#include <vector>

#include "properties/property.hpp"

namespace pagecheck::props {
void add_buddy_properties(std::vector<Property>& v);
void add_isolation_properties(std::vector<Property>& v);
void add_kernel_check_properties(std::vector<Property>& v);
void add_hugetlb_properties(std::vector<Property>& v);
void add_hotplug_properties(std::vector<Property>& v);
void add_progress_properties(std::vector<Property>& v);
}  // namespace pagecheck::props
