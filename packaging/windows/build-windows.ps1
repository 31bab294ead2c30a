# Builds the Windows installer: build\dist\deskmail\ (PyInstaller) and build\deskmail-<version>-setup.exe.
# Run from anywhere on Windows with Python 3.11+ and Inno Setup 6 (the GitHub windows runners have both):
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build-windows.ps1
$ErrorActionPreference = "Stop"
$Root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $Root

if (-not (Test-Path build\venv\Scripts\python.exe)) {
    python -m venv build\venv
    build\venv\Scripts\python -m pip install --disable-pip-version-check -q ".[package]"
}
$Py = "build\venv\Scripts\python.exe"
$Version = & $Py -c "import deskmail; print(deskmail.__version__)"

# deskmail.ico for the exe and the installer, packed from deskmail\resources\icons\deskmail-<N>.png
& $Py packaging\make_icons.py build\icons
if ($LASTEXITCODE) { throw "make_icons failed" }

$env:DESKMAIL_ICON_DIR = "$Root\build\icons"
& $Py -m PyInstaller --noconfirm --log-level WARN --distpath build\dist --workpath build\work packaging\deskmail.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }

$Iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $Iscc) { $Iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $Iscc "/DAppVersion=$Version" packaging\windows\deskmail.iss
if ($LASTEXITCODE) { throw "Inno Setup failed" }
Get-ChildItem build\deskmail-*-setup.exe
