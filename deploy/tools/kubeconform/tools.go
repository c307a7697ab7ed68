//go:build tools

// Package tools pins kubeconform; the deploy tests build it with `go build` (see deploy/src/tools.ts).
package tools

import _ "github.com/yannh/kubeconform/cmd/kubeconform"
