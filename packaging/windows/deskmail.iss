; Inno Setup 6 script for the Windows installer of Deskmail.
; Build (after PyInstaller made build\dist\deskmail\ and make_icons.py made build\icons\):
;   iscc /DAppVersion=0.1.0 packaging\windows\deskmail.iss
; packaging\windows\build-windows.ps1 does all three steps; .github\workflows\package.yml runs it.
; Output: build\deskmail-<version>-setup.exe (per-user or per-machine install, with uninstaller).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "Deskmail"
#define AppExe "deskmail.exe"
#define AppId "org.deskmail.Deskmail"
#define Root "..\.."

[Setup]
; A fixed AppId: upgrades replace the old version instead of installing beside it.
AppId={{6C1E8F3A-9B2D-4E57-A0C4-5D3B7E21F0A9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The Deskmail developers
AppPublisherURL=https://deskmail.org/
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Non-technical users often lack admin rights: offer "just for me" without elevation.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\build
OutputBaseFilename=deskmail-{#AppVersion}-setup
SetupIconFile={#Root}\build\icons\deskmail.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Deskmail must not be running while its files are replaced or removed.
CloseApplications=yes
ChangesAssociations=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\build\dist\deskmail\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppId}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"

[Registry]
; mailto: Deskmail registers as a mail client and as a handler for mailto: links. Windows 10/11
; let only the user choose the default (Settings > Default apps), where Deskmail now appears.
Root: HKA; Subkey: "Software\Classes\Deskmail.mailto"; ValueType: string; ValueData: "URL:MailTo Protocol"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Deskmail.mailto"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Deskmail.mailto\DefaultIcon"; ValueType: string; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\Deskmail.mailto\shell\open\command"; ValueType: string; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Clients\Mail\{#AppName}"; ValueType: string; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Clients\Mail\{#AppName}\Capabilities"; ValueType: string; ValueName: "ApplicationName"; ValueData: "{#AppName}"
Root: HKA; Subkey: "Software\Clients\Mail\{#AppName}\Capabilities"; ValueType: string; ValueName: "ApplicationDescription"; ValueData: "Calm e-mail that sets itself up from your address"
Root: HKA; Subkey: "Software\Clients\Mail\{#AppName}\Capabilities"; ValueType: string; ValueName: "ApplicationIcon"; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Clients\Mail\{#AppName}\Capabilities\URLAssociations"; ValueType: string; ValueName: "mailto"; ValueData: "Deskmail.mailto"
Root: HKA; Subkey: "Software\Clients\Mail\{#AppName}\shell\open\command"; ValueType: string; ValueData: """{app}\{#AppExe}"""
Root: HKA; Subkey: "Software\RegisteredApplications"; ValueType: string; ValueName: "{#AppName}"; ValueData: "Software\Clients\Mail\{#AppName}\Capabilities"; Flags: uninsdeletevalue

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Uninstall removes the program files and registry entries above. The user's mail, settings and
; saved passwords (in %APPDATA%\Deskmail and the Credential Manager) are theirs and stay.
