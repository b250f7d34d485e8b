#include "helpers.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pagecheck::test {

std::string write_temp(const std::string& name, const std::string& text) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pagecheck-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

}  // namespace pagecheck::test
