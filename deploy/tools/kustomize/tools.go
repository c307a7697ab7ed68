//go:build tools

// Package tools pins kustomize; the deploy tests build it with `go build` (see deploy/src/tools.ts).
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
