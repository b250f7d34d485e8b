// A fixed set of worker threads that run one function together and wait for each other.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pagecheck::checker {

class Pool {
 public:
  explicit Pool(int threads);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  int size() const { return n_; }
  // Runs f(thread) on every thread (thread 0 is the caller) and returns when all are done.
  // The first exception a thread throws is rethrown here.
  void run(const std::function<void(int)>& f);

 private:
  void loop(int t);
  int n_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  long generation_ = 0;
  int pending_ = 0;
  bool quit_ = false;
  std::exception_ptr error_;
};

}  // namespace pagecheck::checker
