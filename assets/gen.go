//go:build ignore

// gen draws Orderbrug's icons: the app icon (a bridge over a blue tile) and
// the three tray states (the same bridge on a green, orange or red disc).
// Run with `go generate ./assets`; the PNGs are committed.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

func main() {
	write("icon.png", 512, color.NRGBA{0x1f, 0x5f, 0xa8, 0xff}, false)
	write("tray-ok.png", 64, color.NRGBA{0x2e, 0x9d, 0x4f, 0xff}, true)
	write("tray-attention.png", 64, color.NRGBA{0xe8, 0x8e, 0x0c, 0xff}, true)
	write("tray-error.png", 64, color.NRGBA{0xd0, 0x2b, 0x2b, 0xff}, true)
}

// write renders one icon with 4×4 supersampling so the edges are smooth.
func write(name string, size int, bg color.NRGBA, disc bool) {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / float64(size)
					v := (float64(y) + (float64(sy)+0.5)/ss) / float64(size)
					c, ok := shade(u, v, bg, disc)
					if ok {
						r += float64(c.R)
						g += float64(c.G)
						b += float64(c.B)
						a += 255
					}
				}
			}
			n := float64(ss * ss)
			if a > 0 {
				k := a / 255
				img.SetNRGBA(x, y, color.NRGBA{uint8(r / k), uint8(g / k), uint8(b / k), uint8(a / n)})
			}
		}
	}
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// shade returns the colour at (u, v) in the unit square, false outside the
// shape.
func shade(u, v float64, bg color.NRGBA, disc bool) (color.NRGBA, bool) {
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	if disc {
		if math.Hypot(u-0.5, v-0.5) > 0.48 {
			return bg, false
		}
	} else if !inRoundedSquare(u, v, 0.06, 0.18) {
		return bg, false
	}
	// The bridge: a deck, an arch under it and two pillars.
	deck := v > 0.56 && v < 0.63 && u > 0.16 && u < 0.84
	arch := math.Abs(math.Hypot((u-0.5)/0.3, (v-0.72)/0.3)-1) < 0.11 && v < 0.72
	pillar := v >= 0.56 && v < 0.78 && (math.Abs(u-0.24) < 0.035 || math.Abs(u-0.76) < 0.035)
	if deck || arch || pillar {
		return white, true
	}
	return bg, true
}

func inRoundedSquare(u, v, margin, radius float64) bool {
	lo, hi := margin+radius, 1-margin-radius
	cx := math.Max(lo, math.Min(hi, u))
	cy := math.Max(lo, math.Min(hi, v))
	return math.Hypot(u-cx, v-cy) <= radius && u > margin && u < 1-margin && v > margin && v < 1-margin
}
