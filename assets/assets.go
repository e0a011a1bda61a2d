// Package assets embeds Orderbrug's icons and translations.
package assets

import (
	"embed"

	"fyne.io/fyne/v2"
)

//go:generate go run gen.go

// Lang holds lang/nl.json and lang/en.json, for lang.AddTranslationsFS(Lang, "lang").
//
//go:embed lang
var Lang embed.FS

//go:embed icon.png
var iconPNG []byte

//go:embed tray-ok.png
var trayOK []byte

//go:embed tray-attention.png
var trayAttention []byte

//go:embed tray-error.png
var trayError []byte

// Icon is the application icon (512×512 PNG).
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

// Tray icons by Overview.Health; PNG because the tray cannot show SVG.
var (
	TrayOK        = fyne.NewStaticResource("tray-ok.png", trayOK)
	TrayAttention = fyne.NewStaticResource("tray-attention.png", trayAttention)
	TrayError     = fyne.NewStaticResource("tray-error.png", trayError)
)

// TrayIcon returns the tray icon for a health state ("ok", "attention",
// "error"); anything unknown shows as attention.
func TrayIcon(health string) fyne.Resource {
	switch health {
	case "ok":
		return TrayOK
	case "error":
		return TrayError
	}
	return TrayAttention
}
