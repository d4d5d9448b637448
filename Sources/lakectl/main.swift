import LakectlCommands

await LakectlMain.run()
