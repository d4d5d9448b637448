import LakectlCommands

await Lakectl.main()
