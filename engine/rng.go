package engine

// Counter-based random numbers: a value depends only on (seed, counter), so a
// dropout mask is the same on every device and for any thread split. The
// mixer is SplitMix64's finaliser; kernels/ implements the same function.

// Mix64 is SplitMix64's output function applied to x.
func Mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Uniform returns a float32 in [0, 1) with 24 random bits determined by
// (seed, counter): Mix64(seed ^ Mix64(counter)) >> 40, times 2⁻²⁴.
func Uniform(seed, counter uint64) float32 {
	return float32(Mix64(seed^Mix64(counter))>>40) * (1.0 / (1 << 24))
}
