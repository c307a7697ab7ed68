//go:build tools

// Package tools pins goccy/bigquery-emulator for the local stack; devstack builds it with
// `CGO_ENABLED=0 go build` (v0.8 embeds GoogleSQL through wazero, so no C++ toolchain is needed).
package tools

import _ "github.com/goccy/bigquery-emulator/cmd/bigquery-emulator"
