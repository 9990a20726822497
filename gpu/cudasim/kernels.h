// The host build of kernels/*.cu, indexed by kernel name (kernels_host.cpp).
#pragma once
#include <functional>
#include <string.h>
#include <utility>
#include <vector>
#include <type_traits>

#include "cuda_host.h"

struct sim_kernel {
	const char* name;
	std::vector<int> param_sizes;
	std::vector<bool> is_pointer;
	std::function<void(void**)> run; // one thread, parameters as cuLaunchKernel's
};

// The kernel called name, or NULL.
const sim_kernel* sim_find_kernel(const char* name);

// Reads a parameter the way the driver does: sizeof(T) bytes at params[i].
template <typename T> T sim_param(void* p) {
	T v;
	memcpy(&v, p, sizeof v);
	return v;
}

template <typename... A, size_t... I>
void sim_call(void (*f)(A...), void** params, std::index_sequence<I...>) {
	f(sim_param<A>(params[I])...);
}

template <typename... A> sim_kernel sim_make_kernel(const char* name, void (*f)(A...)) {
	return sim_kernel{name,
	                  {(int)sizeof(A)...},
	                  {std::is_pointer<A>::value...},
	                  [f](void** params) { sim_call(f, params, std::index_sequence_for<A...>{}); }};
}
