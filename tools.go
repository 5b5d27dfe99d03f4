//go:build tools

// This file pins the modules archex builds on, so that go mod tidy keeps them
// while the packages that use them are being written.
package main

import (
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/NimbleMarkets/ntcharts/sparkline"
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/charmbracelet/bubbles/help"
	_ "github.com/charmbracelet/bubbletea"
	_ "github.com/charmbracelet/lipgloss"
	_ "github.com/charmbracelet/x/exp/teatest"
	_ "github.com/muesli/termenv"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/sony/gobreaker/v2"
	_ "go.uber.org/goleak"
	_ "golang.org/x/sync/singleflight"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
	_ "modernc.org/sqlite"
)
