// Package kernels holds the CUDA C sources of mnistgpu's own GPU kernels
// (*.cu), their committed PTX and its Go embed, for the cuda build of gpu/.
//
// The rule every kernel follows: one thread computes whole output elements
// and no thread reads what another writes in the same launch, so a kernel
// may also be run on the host, thread by thread, by a CPU stand-in for the
// GPU. Reductions use atomicAdd only where the order of additions does not
// change the result the tests compare.
//
// Counter-based randomness (dropout) must match engine.Uniform bit for bit:
// u = (Mix64(seed ^ Mix64(counter)) >> 40) · 2⁻²⁴ with SplitMix64's finaliser.
package kernels
