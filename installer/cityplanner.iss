; Inno Setup script of the Windows installer: CityPlanner-<version>-windows-x64-setup.exe.
; Built by .github/workflows/installer.yml on a Windows runner, after PyInstaller has made
; dist\CityPlanner from installer\cityplanner.spec (and the icon build\installer-icons\cityplanner.ico):
;     iscc /DAppVersion=0.1.0 installer\cityplanner.iss
; Paths are relative to this file. Not compiled on the Linux machine the project is developed on
; (Inno Setup is a Windows program): see installer\README.md.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "CityPlanner"
#define BundleDir "..\dist\CityPlanner"

[Setup]
AppId={{6F0B7C52-3E9A-4C1D-9B7E-2C5A8D41F3A9}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=CityPlanner project
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; A planner without administrator rights installs for themself; IT can choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile=..\build\installer-icons\cityplanner.ico
UninstallDisplayIcon={app}\CityPlanner.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "association"; Description: "Open .cityplan projects with CityPlanner"; GroupDescription: "File types:"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\CityPlanner.exe"
Name: "{autoprograms}\{#AppName} sample city"; Filename: "{app}\CityPlanner.exe"; Parameters: """{app}\_internal\sample_data\hai_chau.cityplan"""
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\CityPlanner.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Software\Classes\.cityplan"; ValueType: string; ValueName: ""; ValueData: "CityPlanner.Project"; Flags: uninsdeletevalue; Tasks: association
Root: HKA; Subkey: "Software\Classes\CityPlanner.Project"; ValueType: string; ValueName: ""; ValueData: "CityPlanner project"; Flags: uninsdeletekey; Tasks: association
Root: HKA; Subkey: "Software\Classes\CityPlanner.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\CityPlanner.exe,0"; Tasks: association
Root: HKA; Subkey: "Software\Classes\CityPlanner.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\CityPlanner.exe"" ""%1"""; Tasks: association

[Run]
Filename: "{app}\CityPlanner.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
