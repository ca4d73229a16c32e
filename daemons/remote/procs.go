package remote

// The procedures of libvirt's REMOTE program, numbered as remote_procedure in
// src/remote/remote_protocol.x. A constant's name is the libvirt API it carries without
// the "vir" prefix, except for event messages and the auth procedures, which carry none.
const (
	ConnectOpen                             Proc = 1
	ConnectClose                            Proc = 2
	ConnectGetType                          Proc = 3
	ConnectGetVersion                       Proc = 4
	ConnectGetMaxVcpus                      Proc = 5
	NodeGetInfo                             Proc = 6
	ConnectGetCapabilities                  Proc = 7
	DomainAttachDevice                      Proc = 8
	DomainCreate                            Proc = 9
	DomainCreateXML                         Proc = 10
	DomainDefineXML                         Proc = 11
	DomainDestroy                           Proc = 12
	DomainDetachDevice                      Proc = 13
	DomainGetXMLDesc                        Proc = 14
	DomainGetAutostart                      Proc = 15
	DomainGetInfo                           Proc = 16
	DomainGetMaxMemory                      Proc = 17
	DomainGetMaxVcpus                       Proc = 18
	DomainGetOsType                         Proc = 19
	DomainGetVcpus                          Proc = 20
	ConnectListDefinedDomains               Proc = 21
	DomainLookupByID                        Proc = 22
	DomainLookupByName                      Proc = 23
	DomainLookupByUUID                      Proc = 24
	ConnectNumOfDefinedDomains              Proc = 25
	DomainPinVcpu                           Proc = 26
	DomainReboot                            Proc = 27
	DomainResume                            Proc = 28
	DomainSetAutostart                      Proc = 29
	DomainSetMaxMemory                      Proc = 30
	DomainSetMemory                         Proc = 31
	DomainSetVcpus                          Proc = 32
	DomainShutdown                          Proc = 33
	DomainSuspend                           Proc = 34
	DomainUndefine                          Proc = 35
	ConnectListDefinedNetworks              Proc = 36
	ConnectListDomains                      Proc = 37
	ConnectListNetworks                     Proc = 38
	NetworkCreate                           Proc = 39
	NetworkCreateXML                        Proc = 40
	NetworkDefineXML                        Proc = 41
	NetworkDestroy                          Proc = 42
	NetworkGetXMLDesc                       Proc = 43
	NetworkGetAutostart                     Proc = 44
	NetworkGetBridgeName                    Proc = 45
	NetworkLookupByName                     Proc = 46
	NetworkLookupByUUID                     Proc = 47
	NetworkSetAutostart                     Proc = 48
	NetworkUndefine                         Proc = 49
	ConnectNumOfDefinedNetworks             Proc = 50
	ConnectNumOfDomains                     Proc = 51
	ConnectNumOfNetworks                    Proc = 52
	DomainCoreDump                          Proc = 53
	DomainRestore                           Proc = 54
	DomainSave                              Proc = 55
	DomainGetSchedulerType                  Proc = 56
	DomainGetSchedulerParameters            Proc = 57
	DomainSetSchedulerParameters            Proc = 58
	ConnectGetHostname                      Proc = 59
	ConnectSupportsFeature                  Proc = 60
	DomainMigratePrepare                    Proc = 61
	DomainMigratePerform                    Proc = 62
	DomainMigrateFinish                     Proc = 63
	DomainBlockStats                        Proc = 64
	DomainInterfaceStats                    Proc = 65
	AuthList                                Proc = 66
	AuthSaslInit                            Proc = 67
	AuthSaslStart                           Proc = 68
	AuthSaslStep                            Proc = 69
	AuthPolkit                              Proc = 70
	ConnectNumOfStoragePools                Proc = 71
	ConnectListStoragePools                 Proc = 72
	ConnectNumOfDefinedStoragePools         Proc = 73
	ConnectListDefinedStoragePools          Proc = 74
	ConnectFindStoragePoolSources           Proc = 75
	StoragePoolCreateXML                    Proc = 76
	StoragePoolDefineXML                    Proc = 77
	StoragePoolCreate                       Proc = 78
	StoragePoolBuild                        Proc = 79
	StoragePoolDestroy                      Proc = 80
	StoragePoolDelete                       Proc = 81
	StoragePoolUndefine                     Proc = 82
	StoragePoolRefresh                      Proc = 83
	StoragePoolLookupByName                 Proc = 84
	StoragePoolLookupByUUID                 Proc = 85
	StoragePoolLookupByVolume               Proc = 86
	StoragePoolGetInfo                      Proc = 87
	StoragePoolGetXMLDesc                   Proc = 88
	StoragePoolGetAutostart                 Proc = 89
	StoragePoolSetAutostart                 Proc = 90
	StoragePoolNumOfVolumes                 Proc = 91
	StoragePoolListVolumes                  Proc = 92
	StorageVolCreateXML                     Proc = 93
	StorageVolDelete                        Proc = 94
	StorageVolLookupByName                  Proc = 95
	StorageVolLookupByKey                   Proc = 96
	StorageVolLookupByPath                  Proc = 97
	StorageVolGetInfo                       Proc = 98
	StorageVolGetXMLDesc                    Proc = 99
	StorageVolGetPath                       Proc = 100
	NodeGetCellsFreeMemory                  Proc = 101
	NodeGetFreeMemory                       Proc = 102
	DomainBlockPeek                         Proc = 103
	DomainMemoryPeek                        Proc = 104
	ConnectDomainEventRegister              Proc = 105
	ConnectDomainEventDeregister            Proc = 106
	DomainEventLifecycle                    Proc = 107
	DomainMigratePrepare2                   Proc = 108
	DomainMigrateFinish2                    Proc = 109
	ConnectGetURI                           Proc = 110
	NodeNumOfDevices                        Proc = 111
	NodeListDevices                         Proc = 112
	NodeDeviceLookupByName                  Proc = 113
	NodeDeviceGetXMLDesc                    Proc = 114
	NodeDeviceGetParent                     Proc = 115
	NodeDeviceNumOfCaps                     Proc = 116
	NodeDeviceListCaps                      Proc = 117
	NodeDeviceDettach                       Proc = 118
	NodeDeviceReAttach                      Proc = 119
	NodeDeviceReset                         Proc = 120
	DomainGetSecurityLabel                  Proc = 121
	NodeGetSecurityModel                    Proc = 122
	NodeDeviceCreateXML                     Proc = 123
	NodeDeviceDestroy                       Proc = 124
	StorageVolCreateXMLFrom                 Proc = 125
	ConnectNumOfInterfaces                  Proc = 126
	ConnectListInterfaces                   Proc = 127
	InterfaceLookupByName                   Proc = 128
	InterfaceLookupByMACString              Proc = 129
	InterfaceGetXMLDesc                     Proc = 130
	InterfaceDefineXML                      Proc = 131
	InterfaceUndefine                       Proc = 132
	InterfaceCreate                         Proc = 133
	InterfaceDestroy                        Proc = 134
	ConnectDomainXMLFromNative              Proc = 135
	ConnectDomainXMLToNative                Proc = 136
	ConnectNumOfDefinedInterfaces           Proc = 137
	ConnectListDefinedInterfaces            Proc = 138
	ConnectNumOfSecrets                     Proc = 139
	ConnectListSecrets                      Proc = 140
	SecretLookupByUUID                      Proc = 141
	SecretDefineXML                         Proc = 142
	SecretGetXMLDesc                        Proc = 143
	SecretSetValue                          Proc = 144
	SecretGetValue                          Proc = 145
	SecretUndefine                          Proc = 146
	SecretLookupByUsage                     Proc = 147
	DomainMigratePrepareTunnel              Proc = 148
	ConnectIsSecure                         Proc = 149
	DomainIsActive                          Proc = 150
	DomainIsPersistent                      Proc = 151
	NetworkIsActive                         Proc = 152
	NetworkIsPersistent                     Proc = 153
	StoragePoolIsActive                     Proc = 154
	StoragePoolIsPersistent                 Proc = 155
	InterfaceIsActive                       Proc = 156
	ConnectGetLibVersion                    Proc = 157
	ConnectCompareCPU                       Proc = 158
	DomainMemoryStats                       Proc = 159
	DomainAttachDeviceFlags                 Proc = 160
	DomainDetachDeviceFlags                 Proc = 161
	ConnectBaselineCPU                      Proc = 162
	DomainGetJobInfo                        Proc = 163
	DomainAbortJob                          Proc = 164
	StorageVolWipe                          Proc = 165
	DomainMigrateSetMaxDowntime             Proc = 166
	ConnectDomainEventRegisterAny           Proc = 167
	ConnectDomainEventDeregisterAny         Proc = 168
	DomainEventReboot                       Proc = 169
	DomainEventRtcChange                    Proc = 170
	DomainEventWatchdog                     Proc = 171
	DomainEventIoError                      Proc = 172
	DomainEventGraphics                     Proc = 173
	DomainUpdateDeviceFlags                 Proc = 174
	NwfilterLookupByName                    Proc = 175
	NwfilterLookupByUUID                    Proc = 176
	NwfilterGetXMLDesc                      Proc = 177
	ConnectNumOfNwfilters                   Proc = 178
	ConnectListNwfilters                    Proc = 179
	NwfilterDefineXML                       Proc = 180
	NwfilterUndefine                        Proc = 181
	DomainManagedSave                       Proc = 182
	DomainHasManagedSaveImage               Proc = 183
	DomainManagedSaveRemove                 Proc = 184
	DomainSnapshotCreateXML                 Proc = 185
	DomainSnapshotGetXMLDesc                Proc = 186
	DomainSnapshotNum                       Proc = 187
	DomainSnapshotListNames                 Proc = 188
	DomainSnapshotLookupByName              Proc = 189
	DomainHasCurrentSnapshot                Proc = 190
	DomainSnapshotCurrent                   Proc = 191
	DomainRevertToSnapshot                  Proc = 192
	DomainSnapshotDelete                    Proc = 193
	DomainGetBlockInfo                      Proc = 194
	DomainEventIoErrorReason                Proc = 195
	DomainCreateWithFlags                   Proc = 196
	DomainSetMemoryParameters               Proc = 197
	DomainGetMemoryParameters               Proc = 198
	DomainSetVcpusFlags                     Proc = 199
	DomainGetVcpusFlags                     Proc = 200
	DomainOpenConsole                       Proc = 201
	DomainIsUpdated                         Proc = 202
	ConnectGetSysinfo                       Proc = 203
	DomainSetMemoryFlags                    Proc = 204
	DomainSetBlkioParameters                Proc = 205
	DomainGetBlkioParameters                Proc = 206
	DomainMigrateSetMaxSpeed                Proc = 207
	StorageVolUpload                        Proc = 208
	StorageVolDownload                      Proc = 209
	DomainInjectNmi                         Proc = 210
	DomainScreenshot                        Proc = 211
	DomainGetState                          Proc = 212
	DomainMigrateBegin3                     Proc = 213
	DomainMigratePrepare3                   Proc = 214
	DomainMigratePrepareTunnel3             Proc = 215
	DomainMigratePerform3                   Proc = 216
	DomainMigrateFinish3                    Proc = 217
	DomainMigrateConfirm3                   Proc = 218
	DomainSetSchedulerParametersFlags       Proc = 219
	InterfaceChangeBegin                    Proc = 220
	InterfaceChangeCommit                   Proc = 221
	InterfaceChangeRollback                 Proc = 222
	DomainGetSchedulerParametersFlags       Proc = 223
	DomainEventControlError                 Proc = 224
	DomainPinVcpuFlags                      Proc = 225
	DomainSendKey                           Proc = 226
	NodeGetCPUStats                         Proc = 227
	NodeGetMemoryStats                      Proc = 228
	DomainGetControlInfo                    Proc = 229
	DomainGetVcpuPinInfo                    Proc = 230
	DomainUndefineFlags                     Proc = 231
	DomainSaveFlags                         Proc = 232
	DomainRestoreFlags                      Proc = 233
	DomainDestroyFlags                      Proc = 234
	DomainSaveImageGetXMLDesc               Proc = 235
	DomainSaveImageDefineXML                Proc = 236
	DomainBlockJobAbort                     Proc = 237
	DomainGetBlockJobInfo                   Proc = 238
	DomainBlockJobSetSpeed                  Proc = 239
	DomainBlockPull                         Proc = 240
	DomainEventBlockJob                     Proc = 241
	DomainMigrateGetMaxSpeed                Proc = 242
	DomainBlockStatsFlags                   Proc = 243
	DomainSnapshotGetParent                 Proc = 244
	DomainReset                             Proc = 245
	DomainSnapshotNumChildren               Proc = 246
	DomainSnapshotListChildrenNames         Proc = 247
	DomainEventDiskChange                   Proc = 248
	DomainOpenGraphics                      Proc = 249
	NodeSuspendForDuration                  Proc = 250
	DomainBlockResize                       Proc = 251
	DomainSetBlockIoTune                    Proc = 252
	DomainGetBlockIoTune                    Proc = 253
	DomainSetNumaParameters                 Proc = 254
	DomainGetNumaParameters                 Proc = 255
	DomainSetInterfaceParameters            Proc = 256
	DomainGetInterfaceParameters            Proc = 257
	DomainShutdownFlags                     Proc = 258
	StorageVolWipePattern                   Proc = 259
	StorageVolResize                        Proc = 260
	DomainPmSuspendForDuration              Proc = 261
	DomainGetCPUStats                       Proc = 262
	DomainGetDiskErrors                     Proc = 263
	DomainSetMetadata                       Proc = 264
	DomainGetMetadata                       Proc = 265
	DomainBlockRebase                       Proc = 266
	DomainPmWakeup                          Proc = 267
	DomainEventTrayChange                   Proc = 268
	DomainEventPmwakeup                     Proc = 269
	DomainEventPmsuspend                    Proc = 270
	DomainSnapshotIsCurrent                 Proc = 271
	DomainSnapshotHasMetadata               Proc = 272
	ConnectListAllDomains                   Proc = 273
	DomainListAllSnapshots                  Proc = 274
	DomainSnapshotListAllChildren           Proc = 275
	DomainEventBalloonChange                Proc = 276
	DomainGetHostname                       Proc = 277
	DomainGetSecurityLabelList              Proc = 278
	DomainPinEmulator                       Proc = 279
	DomainGetEmulatorPinInfo                Proc = 280
	ConnectListAllStoragePools              Proc = 281
	StoragePoolListAllVolumes               Proc = 282
	ConnectListAllNetworks                  Proc = 283
	ConnectListAllInterfaces                Proc = 284
	ConnectListAllNodeDevices               Proc = 285
	ConnectListAllNwfilters                 Proc = 286
	ConnectListAllSecrets                   Proc = 287
	NodeSetMemoryParameters                 Proc = 288
	NodeGetMemoryParameters                 Proc = 289
	DomainBlockCommit                       Proc = 290
	NetworkUpdate                           Proc = 291
	DomainEventPmsuspendDisk                Proc = 292
	NodeGetCPUMap                           Proc = 293
	DomainFstrim                            Proc = 294
	DomainSendProcessSignal                 Proc = 295
	DomainOpenChannel                       Proc = 296
	NodeDeviceLookupSCSIHostByWWN           Proc = 297
	DomainGetJobStats                       Proc = 298
	DomainMigrateGetCompressionCache        Proc = 299
	DomainMigrateSetCompressionCache        Proc = 300
	NodeDeviceDetachFlags                   Proc = 301
	DomainMigrateBegin3Params               Proc = 302
	DomainMigratePrepare3Params             Proc = 303
	DomainMigratePrepareTunnel3Params       Proc = 304
	DomainMigratePerform3Params             Proc = 305
	DomainMigrateFinish3Params              Proc = 306
	DomainMigrateConfirm3Params             Proc = 307
	DomainSetMemoryStatsPeriod              Proc = 308
	DomainCreateXMLWithFiles                Proc = 309
	DomainCreateWithFiles                   Proc = 310
	DomainEventDeviceRemoved                Proc = 311
	ConnectGetCPUModelNames                 Proc = 312
	ConnectNetworkEventRegisterAny          Proc = 313
	ConnectNetworkEventDeregisterAny        Proc = 314
	NetworkEventLifecycle                   Proc = 315
	ConnectDomainEventCallbackRegisterAny   Proc = 316
	ConnectDomainEventCallbackDeregisterAny Proc = 317
	DomainEventCallbackLifecycle            Proc = 318
	DomainEventCallbackReboot               Proc = 319
	DomainEventCallbackRtcChange            Proc = 320
	DomainEventCallbackWatchdog             Proc = 321
	DomainEventCallbackIoError              Proc = 322
	DomainEventCallbackGraphics             Proc = 323
	DomainEventCallbackIoErrorReason        Proc = 324
	DomainEventCallbackControlError         Proc = 325
	DomainEventCallbackBlockJob             Proc = 326
	DomainEventCallbackDiskChange           Proc = 327
	DomainEventCallbackTrayChange           Proc = 328
	DomainEventCallbackPmwakeup             Proc = 329
	DomainEventCallbackPmsuspend            Proc = 330
	DomainEventCallbackBalloonChange        Proc = 331
	DomainEventCallbackPmsuspendDisk        Proc = 332
	DomainEventCallbackDeviceRemoved        Proc = 333
	DomainCoreDumpWithFormat                Proc = 334
	DomainFsfreeze                          Proc = 335
	DomainFsthaw                            Proc = 336
	DomainGetTime                           Proc = 337
	DomainSetTime                           Proc = 338
	DomainEventBlockJob2                    Proc = 339
	NodeGetFreePages                        Proc = 340
	NetworkGetDHCPLeases                    Proc = 341
	ConnectGetDomainCapabilities            Proc = 342
	DomainOpenGraphicsFd                    Proc = 343
	ConnectGetAllDomainStats                Proc = 344
	DomainBlockCopy                         Proc = 345
	DomainEventCallbackTunable              Proc = 346
	NodeAllocPages                          Proc = 347
	DomainEventCallbackAgentLifecycle       Proc = 348
	DomainGetFsinfo                         Proc = 349
	DomainDefineXMLFlags                    Proc = 350
	DomainGetIOThreadInfo                   Proc = 351
	DomainPinIOThread                       Proc = 352
	DomainInterfaceAddresses                Proc = 353
	DomainEventCallbackDeviceAdded          Proc = 354
	DomainAddIOThread                       Proc = 355
	DomainDelIOThread                       Proc = 356
	DomainSetUserPassword                   Proc = 357
	DomainRename                            Proc = 358
	DomainEventCallbackMigrationIteration   Proc = 359
	ConnectRegisterCloseCallback            Proc = 360
	ConnectUnregisterCloseCallback          Proc = 361
	ConnectEventConnectionClosed            Proc = 362
	DomainEventCallbackJobCompleted         Proc = 363
	DomainMigrateStartPostCopy              Proc = 364
	DomainGetPerfEvents                     Proc = 365
	DomainSetPerfEvents                     Proc = 366
	DomainEventCallbackDeviceRemovalFailed  Proc = 367
	ConnectStoragePoolEventRegisterAny      Proc = 368
	ConnectStoragePoolEventDeregisterAny    Proc = 369
	StoragePoolEventLifecycle               Proc = 370
	DomainGetGuestVcpus                     Proc = 371
	DomainSetGuestVcpus                     Proc = 372
	StoragePoolEventRefresh                 Proc = 373
	ConnectNodeDeviceEventRegisterAny       Proc = 374
	ConnectNodeDeviceEventDeregisterAny     Proc = 375
	NodeDeviceEventLifecycle                Proc = 376
	NodeDeviceEventUpdate                   Proc = 377
	StorageVolGetInfoFlags                  Proc = 378
	DomainEventCallbackMetadataChange       Proc = 379
	ConnectSecretEventRegisterAny           Proc = 380
	ConnectSecretEventDeregisterAny         Proc = 381
	SecretEventLifecycle                    Proc = 382
	SecretEventValueChanged                 Proc = 383
	DomainSetVcpu                           Proc = 384
	DomainEventBlockThreshold               Proc = 385
	DomainSetBlockThreshold                 Proc = 386
	DomainMigrateGetMaxDowntime             Proc = 387
	DomainManagedSaveGetXMLDesc             Proc = 388
	DomainManagedSaveDefineXML              Proc = 389
	DomainSetLifecycleAction                Proc = 390
	StoragePoolLookupByTargetPath           Proc = 391
	DomainDetachDeviceAlias                 Proc = 392
	ConnectCompareHypervisorCPU             Proc = 393
	ConnectBaselineHypervisorCPU            Proc = 394
	NodeGetSEVInfo                          Proc = 395
	DomainGetLaunchSecurityInfo             Proc = 396
	NwfilterBindingLookupByPortDev          Proc = 397
	NwfilterBindingGetXMLDesc               Proc = 398
	NwfilterBindingCreateXML                Proc = 399
	NwfilterBindingDelete                   Proc = 400
	ConnectListAllNwfilterBindings          Proc = 401
	DomainSetIOThreadParams                 Proc = 402
	ConnectGetStoragePoolCapabilities       Proc = 403
	NetworkListAllPorts                     Proc = 404
	NetworkPortLookupByUUID                 Proc = 405
	NetworkPortCreateXML                    Proc = 406
	NetworkPortGetParameters                Proc = 407
	NetworkPortSetParameters                Proc = 408
	NetworkPortGetXMLDesc                   Proc = 409
	NetworkPortDelete                       Proc = 410
	DomainCheckpointCreateXML               Proc = 411
	DomainCheckpointGetXMLDesc              Proc = 412
	DomainListAllCheckpoints                Proc = 413
	DomainCheckpointListAllChildren         Proc = 414
	DomainCheckpointLookupByName            Proc = 415
	DomainCheckpointGetParent               Proc = 416
	DomainCheckpointDelete                  Proc = 417
	DomainGetGuestInfo                      Proc = 418
	ConnectSetIdentity                      Proc = 419
	DomainAgentSetResponseTimeout           Proc = 420
	DomainBackupBegin                       Proc = 421
	DomainBackupGetXMLDesc                  Proc = 422
	DomainEventMemoryFailure                Proc = 423
	DomainAuthorizedSshKeysGet              Proc = 424
	DomainAuthorizedSshKeysSet              Proc = 425
	DomainGetMessages                       Proc = 426
	DomainStartDirtyRateCalc                Proc = 427
	NodeDeviceDefineXML                     Proc = 428
	NodeDeviceUndefine                      Proc = 429
	NodeDeviceCreate                        Proc = 430
	NwfilterDefineXMLFlags                  Proc = 431
	NetworkDefineXMLFlags                   Proc = 432
	NodeDeviceGetAutostart                  Proc = 433
	NodeDeviceSetAutostart                  Proc = 434
	NodeDeviceIsPersistent                  Proc = 435
	NodeDeviceIsActive                      Proc = 436
	NetworkCreateXMLFlags                   Proc = 437
	DomainEventMemoryDeviceSizeChange       Proc = 438
	DomainSetLaunchSecurityState            Proc = 439
	DomainSaveParams                        Proc = 440
	DomainRestoreParams                     Proc = 441
	DomainAbortJobFlags                     Proc = 442
	DomainFdAssociate                       Proc = 443
	NetworkSetMetadata                      Proc = 444
	NetworkGetMetadata                      Proc = 445
	NetworkEventCallbackMetadataChange      Proc = 446
	NodeDeviceUpdate                        Proc = 447
	DomainGraphicsReload                    Proc = 448
	DomainGetAutostartOnce                  Proc = 449
	DomainSetAutostartOnce                  Proc = 450
	DomainSetThrottleGroup                  Proc = 451
	DomainDelThrottleGroup                  Proc = 452
	DomainEventNicMACChange                 Proc = 453
)

// procNames holds each constant's name, for API and for logs.
var procNames = map[Proc]string{
	ConnectOpen:                             "ConnectOpen",
	ConnectClose:                            "ConnectClose",
	ConnectGetType:                          "ConnectGetType",
	ConnectGetVersion:                       "ConnectGetVersion",
	ConnectGetMaxVcpus:                      "ConnectGetMaxVcpus",
	NodeGetInfo:                             "NodeGetInfo",
	ConnectGetCapabilities:                  "ConnectGetCapabilities",
	DomainAttachDevice:                      "DomainAttachDevice",
	DomainCreate:                            "DomainCreate",
	DomainCreateXML:                         "DomainCreateXML",
	DomainDefineXML:                         "DomainDefineXML",
	DomainDestroy:                           "DomainDestroy",
	DomainDetachDevice:                      "DomainDetachDevice",
	DomainGetXMLDesc:                        "DomainGetXMLDesc",
	DomainGetAutostart:                      "DomainGetAutostart",
	DomainGetInfo:                           "DomainGetInfo",
	DomainGetMaxMemory:                      "DomainGetMaxMemory",
	DomainGetMaxVcpus:                       "DomainGetMaxVcpus",
	DomainGetOsType:                         "DomainGetOsType",
	DomainGetVcpus:                          "DomainGetVcpus",
	ConnectListDefinedDomains:               "ConnectListDefinedDomains",
	DomainLookupByID:                        "DomainLookupByID",
	DomainLookupByName:                      "DomainLookupByName",
	DomainLookupByUUID:                      "DomainLookupByUUID",
	ConnectNumOfDefinedDomains:              "ConnectNumOfDefinedDomains",
	DomainPinVcpu:                           "DomainPinVcpu",
	DomainReboot:                            "DomainReboot",
	DomainResume:                            "DomainResume",
	DomainSetAutostart:                      "DomainSetAutostart",
	DomainSetMaxMemory:                      "DomainSetMaxMemory",
	DomainSetMemory:                         "DomainSetMemory",
	DomainSetVcpus:                          "DomainSetVcpus",
	DomainShutdown:                          "DomainShutdown",
	DomainSuspend:                           "DomainSuspend",
	DomainUndefine:                          "DomainUndefine",
	ConnectListDefinedNetworks:              "ConnectListDefinedNetworks",
	ConnectListDomains:                      "ConnectListDomains",
	ConnectListNetworks:                     "ConnectListNetworks",
	NetworkCreate:                           "NetworkCreate",
	NetworkCreateXML:                        "NetworkCreateXML",
	NetworkDefineXML:                        "NetworkDefineXML",
	NetworkDestroy:                          "NetworkDestroy",
	NetworkGetXMLDesc:                       "NetworkGetXMLDesc",
	NetworkGetAutostart:                     "NetworkGetAutostart",
	NetworkGetBridgeName:                    "NetworkGetBridgeName",
	NetworkLookupByName:                     "NetworkLookupByName",
	NetworkLookupByUUID:                     "NetworkLookupByUUID",
	NetworkSetAutostart:                     "NetworkSetAutostart",
	NetworkUndefine:                         "NetworkUndefine",
	ConnectNumOfDefinedNetworks:             "ConnectNumOfDefinedNetworks",
	ConnectNumOfDomains:                     "ConnectNumOfDomains",
	ConnectNumOfNetworks:                    "ConnectNumOfNetworks",
	DomainCoreDump:                          "DomainCoreDump",
	DomainRestore:                           "DomainRestore",
	DomainSave:                              "DomainSave",
	DomainGetSchedulerType:                  "DomainGetSchedulerType",
	DomainGetSchedulerParameters:            "DomainGetSchedulerParameters",
	DomainSetSchedulerParameters:            "DomainSetSchedulerParameters",
	ConnectGetHostname:                      "ConnectGetHostname",
	ConnectSupportsFeature:                  "ConnectSupportsFeature",
	DomainMigratePrepare:                    "DomainMigratePrepare",
	DomainMigratePerform:                    "DomainMigratePerform",
	DomainMigrateFinish:                     "DomainMigrateFinish",
	DomainBlockStats:                        "DomainBlockStats",
	DomainInterfaceStats:                    "DomainInterfaceStats",
	AuthList:                                "AuthList",
	AuthSaslInit:                            "AuthSaslInit",
	AuthSaslStart:                           "AuthSaslStart",
	AuthSaslStep:                            "AuthSaslStep",
	AuthPolkit:                              "AuthPolkit",
	ConnectNumOfStoragePools:                "ConnectNumOfStoragePools",
	ConnectListStoragePools:                 "ConnectListStoragePools",
	ConnectNumOfDefinedStoragePools:         "ConnectNumOfDefinedStoragePools",
	ConnectListDefinedStoragePools:          "ConnectListDefinedStoragePools",
	ConnectFindStoragePoolSources:           "ConnectFindStoragePoolSources",
	StoragePoolCreateXML:                    "StoragePoolCreateXML",
	StoragePoolDefineXML:                    "StoragePoolDefineXML",
	StoragePoolCreate:                       "StoragePoolCreate",
	StoragePoolBuild:                        "StoragePoolBuild",
	StoragePoolDestroy:                      "StoragePoolDestroy",
	StoragePoolDelete:                       "StoragePoolDelete",
	StoragePoolUndefine:                     "StoragePoolUndefine",
	StoragePoolRefresh:                      "StoragePoolRefresh",
	StoragePoolLookupByName:                 "StoragePoolLookupByName",
	StoragePoolLookupByUUID:                 "StoragePoolLookupByUUID",
	StoragePoolLookupByVolume:               "StoragePoolLookupByVolume",
	StoragePoolGetInfo:                      "StoragePoolGetInfo",
	StoragePoolGetXMLDesc:                   "StoragePoolGetXMLDesc",
	StoragePoolGetAutostart:                 "StoragePoolGetAutostart",
	StoragePoolSetAutostart:                 "StoragePoolSetAutostart",
	StoragePoolNumOfVolumes:                 "StoragePoolNumOfVolumes",
	StoragePoolListVolumes:                  "StoragePoolListVolumes",
	StorageVolCreateXML:                     "StorageVolCreateXML",
	StorageVolDelete:                        "StorageVolDelete",
	StorageVolLookupByName:                  "StorageVolLookupByName",
	StorageVolLookupByKey:                   "StorageVolLookupByKey",
	StorageVolLookupByPath:                  "StorageVolLookupByPath",
	StorageVolGetInfo:                       "StorageVolGetInfo",
	StorageVolGetXMLDesc:                    "StorageVolGetXMLDesc",
	StorageVolGetPath:                       "StorageVolGetPath",
	NodeGetCellsFreeMemory:                  "NodeGetCellsFreeMemory",
	NodeGetFreeMemory:                       "NodeGetFreeMemory",
	DomainBlockPeek:                         "DomainBlockPeek",
	DomainMemoryPeek:                        "DomainMemoryPeek",
	ConnectDomainEventRegister:              "ConnectDomainEventRegister",
	ConnectDomainEventDeregister:            "ConnectDomainEventDeregister",
	DomainEventLifecycle:                    "DomainEventLifecycle",
	DomainMigratePrepare2:                   "DomainMigratePrepare2",
	DomainMigrateFinish2:                    "DomainMigrateFinish2",
	ConnectGetURI:                           "ConnectGetURI",
	NodeNumOfDevices:                        "NodeNumOfDevices",
	NodeListDevices:                         "NodeListDevices",
	NodeDeviceLookupByName:                  "NodeDeviceLookupByName",
	NodeDeviceGetXMLDesc:                    "NodeDeviceGetXMLDesc",
	NodeDeviceGetParent:                     "NodeDeviceGetParent",
	NodeDeviceNumOfCaps:                     "NodeDeviceNumOfCaps",
	NodeDeviceListCaps:                      "NodeDeviceListCaps",
	NodeDeviceDettach:                       "NodeDeviceDettach",
	NodeDeviceReAttach:                      "NodeDeviceReAttach",
	NodeDeviceReset:                         "NodeDeviceReset",
	DomainGetSecurityLabel:                  "DomainGetSecurityLabel",
	NodeGetSecurityModel:                    "NodeGetSecurityModel",
	NodeDeviceCreateXML:                     "NodeDeviceCreateXML",
	NodeDeviceDestroy:                       "NodeDeviceDestroy",
	StorageVolCreateXMLFrom:                 "StorageVolCreateXMLFrom",
	ConnectNumOfInterfaces:                  "ConnectNumOfInterfaces",
	ConnectListInterfaces:                   "ConnectListInterfaces",
	InterfaceLookupByName:                   "InterfaceLookupByName",
	InterfaceLookupByMACString:              "InterfaceLookupByMACString",
	InterfaceGetXMLDesc:                     "InterfaceGetXMLDesc",
	InterfaceDefineXML:                      "InterfaceDefineXML",
	InterfaceUndefine:                       "InterfaceUndefine",
	InterfaceCreate:                         "InterfaceCreate",
	InterfaceDestroy:                        "InterfaceDestroy",
	ConnectDomainXMLFromNative:              "ConnectDomainXMLFromNative",
	ConnectDomainXMLToNative:                "ConnectDomainXMLToNative",
	ConnectNumOfDefinedInterfaces:           "ConnectNumOfDefinedInterfaces",
	ConnectListDefinedInterfaces:            "ConnectListDefinedInterfaces",
	ConnectNumOfSecrets:                     "ConnectNumOfSecrets",
	ConnectListSecrets:                      "ConnectListSecrets",
	SecretLookupByUUID:                      "SecretLookupByUUID",
	SecretDefineXML:                         "SecretDefineXML",
	SecretGetXMLDesc:                        "SecretGetXMLDesc",
	SecretSetValue:                          "SecretSetValue",
	SecretGetValue:                          "SecretGetValue",
	SecretUndefine:                          "SecretUndefine",
	SecretLookupByUsage:                     "SecretLookupByUsage",
	DomainMigratePrepareTunnel:              "DomainMigratePrepareTunnel",
	ConnectIsSecure:                         "ConnectIsSecure",
	DomainIsActive:                          "DomainIsActive",
	DomainIsPersistent:                      "DomainIsPersistent",
	NetworkIsActive:                         "NetworkIsActive",
	NetworkIsPersistent:                     "NetworkIsPersistent",
	StoragePoolIsActive:                     "StoragePoolIsActive",
	StoragePoolIsPersistent:                 "StoragePoolIsPersistent",
	InterfaceIsActive:                       "InterfaceIsActive",
	ConnectGetLibVersion:                    "ConnectGetLibVersion",
	ConnectCompareCPU:                       "ConnectCompareCPU",
	DomainMemoryStats:                       "DomainMemoryStats",
	DomainAttachDeviceFlags:                 "DomainAttachDeviceFlags",
	DomainDetachDeviceFlags:                 "DomainDetachDeviceFlags",
	ConnectBaselineCPU:                      "ConnectBaselineCPU",
	DomainGetJobInfo:                        "DomainGetJobInfo",
	DomainAbortJob:                          "DomainAbortJob",
	StorageVolWipe:                          "StorageVolWipe",
	DomainMigrateSetMaxDowntime:             "DomainMigrateSetMaxDowntime",
	ConnectDomainEventRegisterAny:           "ConnectDomainEventRegisterAny",
	ConnectDomainEventDeregisterAny:         "ConnectDomainEventDeregisterAny",
	DomainEventReboot:                       "DomainEventReboot",
	DomainEventRtcChange:                    "DomainEventRtcChange",
	DomainEventWatchdog:                     "DomainEventWatchdog",
	DomainEventIoError:                      "DomainEventIoError",
	DomainEventGraphics:                     "DomainEventGraphics",
	DomainUpdateDeviceFlags:                 "DomainUpdateDeviceFlags",
	NwfilterLookupByName:                    "NwfilterLookupByName",
	NwfilterLookupByUUID:                    "NwfilterLookupByUUID",
	NwfilterGetXMLDesc:                      "NwfilterGetXMLDesc",
	ConnectNumOfNwfilters:                   "ConnectNumOfNwfilters",
	ConnectListNwfilters:                    "ConnectListNwfilters",
	NwfilterDefineXML:                       "NwfilterDefineXML",
	NwfilterUndefine:                        "NwfilterUndefine",
	DomainManagedSave:                       "DomainManagedSave",
	DomainHasManagedSaveImage:               "DomainHasManagedSaveImage",
	DomainManagedSaveRemove:                 "DomainManagedSaveRemove",
	DomainSnapshotCreateXML:                 "DomainSnapshotCreateXML",
	DomainSnapshotGetXMLDesc:                "DomainSnapshotGetXMLDesc",
	DomainSnapshotNum:                       "DomainSnapshotNum",
	DomainSnapshotListNames:                 "DomainSnapshotListNames",
	DomainSnapshotLookupByName:              "DomainSnapshotLookupByName",
	DomainHasCurrentSnapshot:                "DomainHasCurrentSnapshot",
	DomainSnapshotCurrent:                   "DomainSnapshotCurrent",
	DomainRevertToSnapshot:                  "DomainRevertToSnapshot",
	DomainSnapshotDelete:                    "DomainSnapshotDelete",
	DomainGetBlockInfo:                      "DomainGetBlockInfo",
	DomainEventIoErrorReason:                "DomainEventIoErrorReason",
	DomainCreateWithFlags:                   "DomainCreateWithFlags",
	DomainSetMemoryParameters:               "DomainSetMemoryParameters",
	DomainGetMemoryParameters:               "DomainGetMemoryParameters",
	DomainSetVcpusFlags:                     "DomainSetVcpusFlags",
	DomainGetVcpusFlags:                     "DomainGetVcpusFlags",
	DomainOpenConsole:                       "DomainOpenConsole",
	DomainIsUpdated:                         "DomainIsUpdated",
	ConnectGetSysinfo:                       "ConnectGetSysinfo",
	DomainSetMemoryFlags:                    "DomainSetMemoryFlags",
	DomainSetBlkioParameters:                "DomainSetBlkioParameters",
	DomainGetBlkioParameters:                "DomainGetBlkioParameters",
	DomainMigrateSetMaxSpeed:                "DomainMigrateSetMaxSpeed",
	StorageVolUpload:                        "StorageVolUpload",
	StorageVolDownload:                      "StorageVolDownload",
	DomainInjectNmi:                         "DomainInjectNmi",
	DomainScreenshot:                        "DomainScreenshot",
	DomainGetState:                          "DomainGetState",
	DomainMigrateBegin3:                     "DomainMigrateBegin3",
	DomainMigratePrepare3:                   "DomainMigratePrepare3",
	DomainMigratePrepareTunnel3:             "DomainMigratePrepareTunnel3",
	DomainMigratePerform3:                   "DomainMigratePerform3",
	DomainMigrateFinish3:                    "DomainMigrateFinish3",
	DomainMigrateConfirm3:                   "DomainMigrateConfirm3",
	DomainSetSchedulerParametersFlags:       "DomainSetSchedulerParametersFlags",
	InterfaceChangeBegin:                    "InterfaceChangeBegin",
	InterfaceChangeCommit:                   "InterfaceChangeCommit",
	InterfaceChangeRollback:                 "InterfaceChangeRollback",
	DomainGetSchedulerParametersFlags:       "DomainGetSchedulerParametersFlags",
	DomainEventControlError:                 "DomainEventControlError",
	DomainPinVcpuFlags:                      "DomainPinVcpuFlags",
	DomainSendKey:                           "DomainSendKey",
	NodeGetCPUStats:                         "NodeGetCPUStats",
	NodeGetMemoryStats:                      "NodeGetMemoryStats",
	DomainGetControlInfo:                    "DomainGetControlInfo",
	DomainGetVcpuPinInfo:                    "DomainGetVcpuPinInfo",
	DomainUndefineFlags:                     "DomainUndefineFlags",
	DomainSaveFlags:                         "DomainSaveFlags",
	DomainRestoreFlags:                      "DomainRestoreFlags",
	DomainDestroyFlags:                      "DomainDestroyFlags",
	DomainSaveImageGetXMLDesc:               "DomainSaveImageGetXMLDesc",
	DomainSaveImageDefineXML:                "DomainSaveImageDefineXML",
	DomainBlockJobAbort:                     "DomainBlockJobAbort",
	DomainGetBlockJobInfo:                   "DomainGetBlockJobInfo",
	DomainBlockJobSetSpeed:                  "DomainBlockJobSetSpeed",
	DomainBlockPull:                         "DomainBlockPull",
	DomainEventBlockJob:                     "DomainEventBlockJob",
	DomainMigrateGetMaxSpeed:                "DomainMigrateGetMaxSpeed",
	DomainBlockStatsFlags:                   "DomainBlockStatsFlags",
	DomainSnapshotGetParent:                 "DomainSnapshotGetParent",
	DomainReset:                             "DomainReset",
	DomainSnapshotNumChildren:               "DomainSnapshotNumChildren",
	DomainSnapshotListChildrenNames:         "DomainSnapshotListChildrenNames",
	DomainEventDiskChange:                   "DomainEventDiskChange",
	DomainOpenGraphics:                      "DomainOpenGraphics",
	NodeSuspendForDuration:                  "NodeSuspendForDuration",
	DomainBlockResize:                       "DomainBlockResize",
	DomainSetBlockIoTune:                    "DomainSetBlockIoTune",
	DomainGetBlockIoTune:                    "DomainGetBlockIoTune",
	DomainSetNumaParameters:                 "DomainSetNumaParameters",
	DomainGetNumaParameters:                 "DomainGetNumaParameters",
	DomainSetInterfaceParameters:            "DomainSetInterfaceParameters",
	DomainGetInterfaceParameters:            "DomainGetInterfaceParameters",
	DomainShutdownFlags:                     "DomainShutdownFlags",
	StorageVolWipePattern:                   "StorageVolWipePattern",
	StorageVolResize:                        "StorageVolResize",
	DomainPmSuspendForDuration:              "DomainPmSuspendForDuration",
	DomainGetCPUStats:                       "DomainGetCPUStats",
	DomainGetDiskErrors:                     "DomainGetDiskErrors",
	DomainSetMetadata:                       "DomainSetMetadata",
	DomainGetMetadata:                       "DomainGetMetadata",
	DomainBlockRebase:                       "DomainBlockRebase",
	DomainPmWakeup:                          "DomainPmWakeup",
	DomainEventTrayChange:                   "DomainEventTrayChange",
	DomainEventPmwakeup:                     "DomainEventPmwakeup",
	DomainEventPmsuspend:                    "DomainEventPmsuspend",
	DomainSnapshotIsCurrent:                 "DomainSnapshotIsCurrent",
	DomainSnapshotHasMetadata:               "DomainSnapshotHasMetadata",
	ConnectListAllDomains:                   "ConnectListAllDomains",
	DomainListAllSnapshots:                  "DomainListAllSnapshots",
	DomainSnapshotListAllChildren:           "DomainSnapshotListAllChildren",
	DomainEventBalloonChange:                "DomainEventBalloonChange",
	DomainGetHostname:                       "DomainGetHostname",
	DomainGetSecurityLabelList:              "DomainGetSecurityLabelList",
	DomainPinEmulator:                       "DomainPinEmulator",
	DomainGetEmulatorPinInfo:                "DomainGetEmulatorPinInfo",
	ConnectListAllStoragePools:              "ConnectListAllStoragePools",
	StoragePoolListAllVolumes:               "StoragePoolListAllVolumes",
	ConnectListAllNetworks:                  "ConnectListAllNetworks",
	ConnectListAllInterfaces:                "ConnectListAllInterfaces",
	ConnectListAllNodeDevices:               "ConnectListAllNodeDevices",
	ConnectListAllNwfilters:                 "ConnectListAllNwfilters",
	ConnectListAllSecrets:                   "ConnectListAllSecrets",
	NodeSetMemoryParameters:                 "NodeSetMemoryParameters",
	NodeGetMemoryParameters:                 "NodeGetMemoryParameters",
	DomainBlockCommit:                       "DomainBlockCommit",
	NetworkUpdate:                           "NetworkUpdate",
	DomainEventPmsuspendDisk:                "DomainEventPmsuspendDisk",
	NodeGetCPUMap:                           "NodeGetCPUMap",
	DomainFstrim:                            "DomainFstrim",
	DomainSendProcessSignal:                 "DomainSendProcessSignal",
	DomainOpenChannel:                       "DomainOpenChannel",
	NodeDeviceLookupSCSIHostByWWN:           "NodeDeviceLookupSCSIHostByWWN",
	DomainGetJobStats:                       "DomainGetJobStats",
	DomainMigrateGetCompressionCache:        "DomainMigrateGetCompressionCache",
	DomainMigrateSetCompressionCache:        "DomainMigrateSetCompressionCache",
	NodeDeviceDetachFlags:                   "NodeDeviceDetachFlags",
	DomainMigrateBegin3Params:               "DomainMigrateBegin3Params",
	DomainMigratePrepare3Params:             "DomainMigratePrepare3Params",
	DomainMigratePrepareTunnel3Params:       "DomainMigratePrepareTunnel3Params",
	DomainMigratePerform3Params:             "DomainMigratePerform3Params",
	DomainMigrateFinish3Params:              "DomainMigrateFinish3Params",
	DomainMigrateConfirm3Params:             "DomainMigrateConfirm3Params",
	DomainSetMemoryStatsPeriod:              "DomainSetMemoryStatsPeriod",
	DomainCreateXMLWithFiles:                "DomainCreateXMLWithFiles",
	DomainCreateWithFiles:                   "DomainCreateWithFiles",
	DomainEventDeviceRemoved:                "DomainEventDeviceRemoved",
	ConnectGetCPUModelNames:                 "ConnectGetCPUModelNames",
	ConnectNetworkEventRegisterAny:          "ConnectNetworkEventRegisterAny",
	ConnectNetworkEventDeregisterAny:        "ConnectNetworkEventDeregisterAny",
	NetworkEventLifecycle:                   "NetworkEventLifecycle",
	ConnectDomainEventCallbackRegisterAny:   "ConnectDomainEventCallbackRegisterAny",
	ConnectDomainEventCallbackDeregisterAny: "ConnectDomainEventCallbackDeregisterAny",
	DomainEventCallbackLifecycle:            "DomainEventCallbackLifecycle",
	DomainEventCallbackReboot:               "DomainEventCallbackReboot",
	DomainEventCallbackRtcChange:            "DomainEventCallbackRtcChange",
	DomainEventCallbackWatchdog:             "DomainEventCallbackWatchdog",
	DomainEventCallbackIoError:              "DomainEventCallbackIoError",
	DomainEventCallbackGraphics:             "DomainEventCallbackGraphics",
	DomainEventCallbackIoErrorReason:        "DomainEventCallbackIoErrorReason",
	DomainEventCallbackControlError:         "DomainEventCallbackControlError",
	DomainEventCallbackBlockJob:             "DomainEventCallbackBlockJob",
	DomainEventCallbackDiskChange:           "DomainEventCallbackDiskChange",
	DomainEventCallbackTrayChange:           "DomainEventCallbackTrayChange",
	DomainEventCallbackPmwakeup:             "DomainEventCallbackPmwakeup",
	DomainEventCallbackPmsuspend:            "DomainEventCallbackPmsuspend",
	DomainEventCallbackBalloonChange:        "DomainEventCallbackBalloonChange",
	DomainEventCallbackPmsuspendDisk:        "DomainEventCallbackPmsuspendDisk",
	DomainEventCallbackDeviceRemoved:        "DomainEventCallbackDeviceRemoved",
	DomainCoreDumpWithFormat:                "DomainCoreDumpWithFormat",
	DomainFsfreeze:                          "DomainFsfreeze",
	DomainFsthaw:                            "DomainFsthaw",
	DomainGetTime:                           "DomainGetTime",
	DomainSetTime:                           "DomainSetTime",
	DomainEventBlockJob2:                    "DomainEventBlockJob2",
	NodeGetFreePages:                        "NodeGetFreePages",
	NetworkGetDHCPLeases:                    "NetworkGetDHCPLeases",
	ConnectGetDomainCapabilities:            "ConnectGetDomainCapabilities",
	DomainOpenGraphicsFd:                    "DomainOpenGraphicsFd",
	ConnectGetAllDomainStats:                "ConnectGetAllDomainStats",
	DomainBlockCopy:                         "DomainBlockCopy",
	DomainEventCallbackTunable:              "DomainEventCallbackTunable",
	NodeAllocPages:                          "NodeAllocPages",
	DomainEventCallbackAgentLifecycle:       "DomainEventCallbackAgentLifecycle",
	DomainGetFsinfo:                         "DomainGetFsinfo",
	DomainDefineXMLFlags:                    "DomainDefineXMLFlags",
	DomainGetIOThreadInfo:                   "DomainGetIOThreadInfo",
	DomainPinIOThread:                       "DomainPinIOThread",
	DomainInterfaceAddresses:                "DomainInterfaceAddresses",
	DomainEventCallbackDeviceAdded:          "DomainEventCallbackDeviceAdded",
	DomainAddIOThread:                       "DomainAddIOThread",
	DomainDelIOThread:                       "DomainDelIOThread",
	DomainSetUserPassword:                   "DomainSetUserPassword",
	DomainRename:                            "DomainRename",
	DomainEventCallbackMigrationIteration:   "DomainEventCallbackMigrationIteration",
	ConnectRegisterCloseCallback:            "ConnectRegisterCloseCallback",
	ConnectUnregisterCloseCallback:          "ConnectUnregisterCloseCallback",
	ConnectEventConnectionClosed:            "ConnectEventConnectionClosed",
	DomainEventCallbackJobCompleted:         "DomainEventCallbackJobCompleted",
	DomainMigrateStartPostCopy:              "DomainMigrateStartPostCopy",
	DomainGetPerfEvents:                     "DomainGetPerfEvents",
	DomainSetPerfEvents:                     "DomainSetPerfEvents",
	DomainEventCallbackDeviceRemovalFailed:  "DomainEventCallbackDeviceRemovalFailed",
	ConnectStoragePoolEventRegisterAny:      "ConnectStoragePoolEventRegisterAny",
	ConnectStoragePoolEventDeregisterAny:    "ConnectStoragePoolEventDeregisterAny",
	StoragePoolEventLifecycle:               "StoragePoolEventLifecycle",
	DomainGetGuestVcpus:                     "DomainGetGuestVcpus",
	DomainSetGuestVcpus:                     "DomainSetGuestVcpus",
	StoragePoolEventRefresh:                 "StoragePoolEventRefresh",
	ConnectNodeDeviceEventRegisterAny:       "ConnectNodeDeviceEventRegisterAny",
	ConnectNodeDeviceEventDeregisterAny:     "ConnectNodeDeviceEventDeregisterAny",
	NodeDeviceEventLifecycle:                "NodeDeviceEventLifecycle",
	NodeDeviceEventUpdate:                   "NodeDeviceEventUpdate",
	StorageVolGetInfoFlags:                  "StorageVolGetInfoFlags",
	DomainEventCallbackMetadataChange:       "DomainEventCallbackMetadataChange",
	ConnectSecretEventRegisterAny:           "ConnectSecretEventRegisterAny",
	ConnectSecretEventDeregisterAny:         "ConnectSecretEventDeregisterAny",
	SecretEventLifecycle:                    "SecretEventLifecycle",
	SecretEventValueChanged:                 "SecretEventValueChanged",
	DomainSetVcpu:                           "DomainSetVcpu",
	DomainEventBlockThreshold:               "DomainEventBlockThreshold",
	DomainSetBlockThreshold:                 "DomainSetBlockThreshold",
	DomainMigrateGetMaxDowntime:             "DomainMigrateGetMaxDowntime",
	DomainManagedSaveGetXMLDesc:             "DomainManagedSaveGetXMLDesc",
	DomainManagedSaveDefineXML:              "DomainManagedSaveDefineXML",
	DomainSetLifecycleAction:                "DomainSetLifecycleAction",
	StoragePoolLookupByTargetPath:           "StoragePoolLookupByTargetPath",
	DomainDetachDeviceAlias:                 "DomainDetachDeviceAlias",
	ConnectCompareHypervisorCPU:             "ConnectCompareHypervisorCPU",
	ConnectBaselineHypervisorCPU:            "ConnectBaselineHypervisorCPU",
	NodeGetSEVInfo:                          "NodeGetSEVInfo",
	DomainGetLaunchSecurityInfo:             "DomainGetLaunchSecurityInfo",
	NwfilterBindingLookupByPortDev:          "NwfilterBindingLookupByPortDev",
	NwfilterBindingGetXMLDesc:               "NwfilterBindingGetXMLDesc",
	NwfilterBindingCreateXML:                "NwfilterBindingCreateXML",
	NwfilterBindingDelete:                   "NwfilterBindingDelete",
	ConnectListAllNwfilterBindings:          "ConnectListAllNwfilterBindings",
	DomainSetIOThreadParams:                 "DomainSetIOThreadParams",
	ConnectGetStoragePoolCapabilities:       "ConnectGetStoragePoolCapabilities",
	NetworkListAllPorts:                     "NetworkListAllPorts",
	NetworkPortLookupByUUID:                 "NetworkPortLookupByUUID",
	NetworkPortCreateXML:                    "NetworkPortCreateXML",
	NetworkPortGetParameters:                "NetworkPortGetParameters",
	NetworkPortSetParameters:                "NetworkPortSetParameters",
	NetworkPortGetXMLDesc:                   "NetworkPortGetXMLDesc",
	NetworkPortDelete:                       "NetworkPortDelete",
	DomainCheckpointCreateXML:               "DomainCheckpointCreateXML",
	DomainCheckpointGetXMLDesc:              "DomainCheckpointGetXMLDesc",
	DomainListAllCheckpoints:                "DomainListAllCheckpoints",
	DomainCheckpointListAllChildren:         "DomainCheckpointListAllChildren",
	DomainCheckpointLookupByName:            "DomainCheckpointLookupByName",
	DomainCheckpointGetParent:               "DomainCheckpointGetParent",
	DomainCheckpointDelete:                  "DomainCheckpointDelete",
	DomainGetGuestInfo:                      "DomainGetGuestInfo",
	ConnectSetIdentity:                      "ConnectSetIdentity",
	DomainAgentSetResponseTimeout:           "DomainAgentSetResponseTimeout",
	DomainBackupBegin:                       "DomainBackupBegin",
	DomainBackupGetXMLDesc:                  "DomainBackupGetXMLDesc",
	DomainEventMemoryFailure:                "DomainEventMemoryFailure",
	DomainAuthorizedSshKeysGet:              "DomainAuthorizedSshKeysGet",
	DomainAuthorizedSshKeysSet:              "DomainAuthorizedSshKeysSet",
	DomainGetMessages:                       "DomainGetMessages",
	DomainStartDirtyRateCalc:                "DomainStartDirtyRateCalc",
	NodeDeviceDefineXML:                     "NodeDeviceDefineXML",
	NodeDeviceUndefine:                      "NodeDeviceUndefine",
	NodeDeviceCreate:                        "NodeDeviceCreate",
	NwfilterDefineXMLFlags:                  "NwfilterDefineXMLFlags",
	NetworkDefineXMLFlags:                   "NetworkDefineXMLFlags",
	NodeDeviceGetAutostart:                  "NodeDeviceGetAutostart",
	NodeDeviceSetAutostart:                  "NodeDeviceSetAutostart",
	NodeDeviceIsPersistent:                  "NodeDeviceIsPersistent",
	NodeDeviceIsActive:                      "NodeDeviceIsActive",
	NetworkCreateXMLFlags:                   "NetworkCreateXMLFlags",
	DomainEventMemoryDeviceSizeChange:       "DomainEventMemoryDeviceSizeChange",
	DomainSetLaunchSecurityState:            "DomainSetLaunchSecurityState",
	DomainSaveParams:                        "DomainSaveParams",
	DomainRestoreParams:                     "DomainRestoreParams",
	DomainAbortJobFlags:                     "DomainAbortJobFlags",
	DomainFdAssociate:                       "DomainFdAssociate",
	NetworkSetMetadata:                      "NetworkSetMetadata",
	NetworkGetMetadata:                      "NetworkGetMetadata",
	NetworkEventCallbackMetadataChange:      "NetworkEventCallbackMetadataChange",
	NodeDeviceUpdate:                        "NodeDeviceUpdate",
	DomainGraphicsReload:                    "DomainGraphicsReload",
	DomainGetAutostartOnce:                  "DomainGetAutostartOnce",
	DomainSetAutostartOnce:                  "DomainSetAutostartOnce",
	DomainSetThrottleGroup:                  "DomainSetThrottleGroup",
	DomainDelThrottleGroup:                  "DomainDelThrottleGroup",
	DomainEventNicMACChange:                 "DomainEventNicMACChange",
}
